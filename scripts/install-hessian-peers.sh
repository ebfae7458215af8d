#!/usr/bin/env bash
# Download the pure-Python Hessian 2 codecs that benchmarks/hessian.py compares with dubbopy's: the codec
# inside python-dubbo and its forks on PyPI (python3-dubbo, dubbo-ssl-python, ke-python-dubbo, ...),
# pinned in benchmarks/hessian_codecs.py. They are fetched with `pip download --no-deps` and unpacked
# under ${DUBBOPY_CACHE:-~/.cache/dubbopy}/hessian-peers, never installed: they all carry a top-level
# `dubbo` package, as does apache-dubbo (a benchmark peer). The Rust-built hessian-codec, the other
# codec compared, is a wheel in the `dev` extra. Skips what is already there; a download that fails is
# a warning (the benchmark then lists that codec as unavailable).
#
# Usage: scripts/install-hessian-peers.sh      prints the cache directory on the last line
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
exec "$PYTHON" "$ROOT/benchmarks/hessian.py" --fetch-only
