#!/usr/bin/env bash
# Configures (once) and builds sluice in build/ with the default preset. Extra arguments are
# passed to `cmake --build` (e.g. --target sluice).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build/CMakeCache.txt ]] || cmake --preset default >/dev/null
cmake --build build -j2 "$@"
