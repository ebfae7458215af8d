#!/usr/bin/env bash
# Install etcd (Debian package `etcd-server`, 3.4) for the registry tests.
#
# The tests do not use the Debian service: tests/registry_fixtures.py starts the binary itself on free
# loopback ports with a fresh data dir (see ../shared/testing.md, etcd section).
# Installs with apt-get only when the binary is missing and we are root; `apt-get update` runs first, once.
#
# Usage: scripts/install-etcd.sh        prints the binary's path on the last line
set -euo pipefail

find_etcd() {
    if [[ -n "${ETCD_BIN:-}" && -x "$ETCD_BIN" ]]; then
        echo "$ETCD_BIN"
    elif command -v etcd >/dev/null 2>&1; then
        command -v etcd
    elif [[ -x /usr/bin/etcd ]]; then
        echo /usr/bin/etcd
    else
        return 1
    fi
}

if BIN="$(find_etcd)"; then
    echo "etcd already installed" >&2
    echo "$BIN"
    exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
    echo "error: etcd is missing and we are not root: run 'apt-get install -y etcd-server' as root" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: etcd is missing and there is no apt-get: install etcd 3.4+ yourself (or set ETCD_BIN)" >&2
    exit 1
fi

echo "installing the Debian package etcd-server ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# policy-rc.d keeps the package from starting a system etcd on 2379 (the tests start their own).
POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=0
if [[ ! -e "$POLICY" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$POLICY"
    chmod +x "$POLICY"
    CREATED_POLICY=1
fi
trap '[[ $CREATED_POLICY == 1 ]] && rm -f "$POLICY"' EXIT
apt-get install -y -q --no-install-recommends etcd-server >&2
if ! BIN="$(find_etcd)"; then
    echo "error: apt-get installed etcd-server but no etcd binary is on PATH or at /usr/bin/etcd" >&2
    exit 1
fi
echo "$BIN"
