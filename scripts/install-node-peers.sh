#!/usr/bin/env bash
# Install the Node.js test peers (hessian.js, the independent Hessian 2.0 codec the cross-check tests
# compare against) exactly as tests/interop/node/package-lock.json pins them.
#
# npm's download cache lives under ${DUBBOPY_CACHE} (default ~/.cache/dubbopy), outside the clone, so
# `git clean` never throws it away and several clones share it; node_modules itself stays in
# tests/interop/node (Node finds packages next to the script that requires them). Skips `npm ci` when
# node_modules was installed from the current lockfile. Package install scripts are not run (none of
# these packages needs one).
#
# Usage: scripts/install-node-peers.sh      prints the node_modules path on the last line
# Bump a version in tests/interop/node/package.json, then `npm install --package-lock-only` there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/tests/interop/node"
CACHE="${DUBBOPY_CACHE:-$HOME/.cache/dubbopy}"
STAMP="$DIR/node_modules/.dubbopy-lock-sha256"

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool is not installed; install Node.js >= 18 with npm (Debian: apt-get install nodejs npm) and re-run" >&2
        exit 1
    fi
done

lock_sum="$(sha256sum "$DIR/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$lock_sum" ]]; then
    echo "node peers already installed from the current package-lock.json" >&2
    echo "$DIR/node_modules"
    exit 0
fi

echo "installing node peers into $DIR/node_modules ..." >&2
mkdir -p "$CACHE/npm"
(
    cd "$DIR"
    npm ci --cache "$CACHE/npm" --prefer-offline --ignore-scripts --no-audit --no-fund >&2
)
echo "$lock_sum" >"$STAMP"
echo "$DIR/node_modules"
