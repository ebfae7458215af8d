#!/usr/bin/env bash
# Build the dubbo-go v3.3.2 interop peer (tests/interop/go) for the interop tests.
#
# The binary, the Go module cache and the build cache all live under ${DUBBOPY_CACHE}
# (default ~/.cache/dubbopy), outside the clone, so `git clean` never throws them away and
# several clones share one build. Skips the build when the binary is newer than every source file,
# go.mod and go.sum. dubbo-go comes from the Go module proxy at the version go.mod pins.
#
# Usage: scripts/install-go-harness.sh     prints the binary's path on the last line
# Environment: DUBBOPY_CACHE; GOSUMDB=off if sum.golang.org is unreachable (go.sum is committed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/interop/go"
CACHE="${DUBBOPY_CACHE:-$HOME/.cache/dubbopy}"
BIN_DIR="$CACHE/bin"
BIN="$BIN_DIR/dubbopy-interop-go"

up_to_date() {
    [[ -x "$BIN" ]] || return 1
    local newer
    newer="$(find "$SRC" -maxdepth 1 -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$BIN" -print -quit)"
    [[ -z "$newer" ]]
}

if up_to_date; then
    echo "dubbo-go interop harness already built" >&2
    echo "$BIN"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    if [[ -x /usr/local/go/bin/go ]]; then
        export PATH="$PATH:/usr/local/go/bin"
    else
        echo "error: Go is not installed; install Go >= 1.25 (https://go.dev/dl/) and re-run" >&2
        exit 1
    fi
fi

mkdir -p "$BIN_DIR"
export GOMODCACHE="$CACHE/gomod"
export GOCACHE="$CACHE/gocache"
export GOFLAGS="${GOFLAGS:-} -modcacherw -buildvcs=false"   # -modcacherw lets `rm -rf $CACHE` work

echo "building the dubbo-go interop harness into $BIN_DIR ..." >&2
# build next to the target and rename, so a test never runs a half-written binary
tmp="$(mktemp "$BIN_DIR/.dubbopy-interop-go.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
(cd "$SRC" && go build -trimpath -o "$tmp" .)
mv -f "$tmp" "$BIN"
trap - EXIT
echo "$BIN"
