#!/usr/bin/env bash
# Every Arbor benchmark beside its Python anchor, one table (see run_all.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 Benchmarks/run_all.py "$@"
