#!/usr/bin/env bash
# Build grpcurl (the reflection-driven gRPC CLI) for the interop tests.
#
# The binary, the Go module cache and the build cache all live under ${DUBBOPY_CACHE}
# (default ~/.cache/dubbopy), outside the clone, so `git clean` never throws them away and
# several clones share one build. Skips the build when the pinned version is already there.
#
# Usage: scripts/install-grpcurl.sh        prints the binary's path on the last line
# Bump GRPCURL_VERSION after checking `go list -m -versions github.com/fullstorydev/grpcurl`.
set -euo pipefail

GRPCURL_VERSION="${GRPCURL_VERSION:-v1.9.4}"
CACHE="${DUBBOPY_CACHE:-$HOME/.cache/dubbopy}"
BIN_DIR="$CACHE/bin"
BIN="$BIN_DIR/grpcurl"
STAMP="$BIN_DIR/.grpcurl-version"

if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$GRPCURL_VERSION" ]]; then
    echo "grpcurl $GRPCURL_VERSION already built" >&2
    echo "$BIN"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "error: Go is not installed; install Go >= 1.21 (https://go.dev/dl/) and re-run" >&2
    exit 1
fi

mkdir -p "$BIN_DIR"
export GOBIN="$BIN_DIR"
export GOMODCACHE="$CACHE/gomod"
export GOCACHE="$CACHE/gocache"
export GOFLAGS="${GOFLAGS:-} -modcacherw"   # lets `rm -rf $CACHE` work without chmod

echo "building grpcurl $GRPCURL_VERSION into $BIN_DIR ..." >&2
# grpcurl reads its --version text from main.version, which only release builds set.
go install -ldflags "-X main.version=$GRPCURL_VERSION" \
    "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"
echo "$GRPCURL_VERSION" >"$STAMP"
echo "$BIN"
