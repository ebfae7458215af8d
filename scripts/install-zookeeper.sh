#!/usr/bin/env bash
# Install ZooKeeper (Debian package `zookeeper`, 3.8) for the registry tests.
#
# The tests do not use the Debian service scripts: tests/registry_fixtures.py writes its own zoo.cfg and
# runs the jar with the JDK already on the machine (see ../shared/testing.md, ZooKeeper section).
# Installs with apt-get only when the jar is missing and we are root; `apt-get update` runs first, once.
#
# Usage: scripts/install-zookeeper.sh        prints the jar's path on the last line
set -euo pipefail

JAR="${ZOOKEEPER_JAR:-/usr/share/java/zookeeper.jar}"

if [[ -f "$JAR" ]]; then
    echo "zookeeper already installed" >&2
    echo "$JAR"
    exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
    echo "error: $JAR is missing and we are not root: run 'apt-get install -y zookeeper' as root" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $JAR is missing and there is no apt-get: install ZooKeeper 3.8 yourself" >&2
    exit 1
fi

echo "installing the Debian package zookeeper ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends zookeeper >&2
if [[ ! -f "$JAR" ]]; then
    echo "error: apt-get installed zookeeper but $JAR is not there" >&2
    exit 1
fi
echo "$JAR"
