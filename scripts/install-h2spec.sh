#!/usr/bin/env bash
# Build h2spec (the HTTP/2 conformance test suite) for tests/interop/test_h2spec.py.
#
# The binary, the Go module cache and the build cache all live under ${DUBBOPY_CACHE}
# (default ~/.cache/dubbopy), outside the clone, so `git clean` never throws them away and
# several clones share one build. Skips the build when the pinned version is already there.
#
# h2spec's last release (v2.2.1, 2018) predates Go modules: the proxy serves it as
# v2.2.1+incompatible, with no go.mod and so no dependency versions. A plain `go install ...@version`
# would then take whatever x/net and cobra are newest that day; instead we build it inside a
# throwaway module that pins every dependency, so two machines build the same binary.
#
# Usage: scripts/install-h2spec.sh        prints the binary's path on the last line
# Bump H2SPEC_VERSION after checking `go list -m -versions github.com/summerwind/h2spec`.
set -euo pipefail

H2SPEC_VERSION="${H2SPEC_VERSION:-v2.2.1+incompatible}"
CACHE="${DUBBOPY_CACHE:-$HOME/.cache/dubbopy}"
BIN_DIR="$CACHE/bin"
BIN="$BIN_DIR/h2spec"
STAMP="$BIN_DIR/.h2spec-version"

if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$H2SPEC_VERSION" ]]; then
    echo "h2spec $H2SPEC_VERSION already built" >&2
    echo "$BIN"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "error: Go is not installed; install Go >= 1.21 (https://go.dev/dl/) and re-run" >&2
    exit 1
fi

mkdir -p "$BIN_DIR"
export GOMODCACHE="$CACHE/gomod"
export GOCACHE="$CACHE/gocache"
export GOFLAGS="${GOFLAGS:-} -modcacherw"   # lets `rm -rf $CACHE` work without chmod

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/go.mod" <<EOF
module dubbopy.invalid/h2spec-build

go 1.21

require (
	github.com/summerwind/h2spec $H2SPEC_VERSION
	github.com/fatih/color v1.19.0
	github.com/spf13/cobra v1.10.2
	golang.org/x/net v0.62.0
)
EOF
# a package that imports the command, so `go mod tidy` keeps its dependencies
cat >"$work/tools.go" <<'EOF'
//go:build tools

package tools

import _ "github.com/summerwind/h2spec/cmd/h2spec"
EOF

echo "building h2spec $H2SPEC_VERSION into $BIN_DIR ..." >&2
version="${H2SPEC_VERSION#v}"
(
    cd "$work"
    go mod tidy >&2
    # h2spec reads its --version text from main.VERSION, which only its Makefile sets.
    go build -o "$BIN" -ldflags "-X main.VERSION=${version%%+*}" github.com/summerwind/h2spec/cmd/h2spec
)
echo "$H2SPEC_VERSION" >"$STAMP"
echo "$BIN"
