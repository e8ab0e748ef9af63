#!/usr/bin/env bash
# README command (2): installs what is missing, builds everything, runs the whole test suite
# (unit and integration; the integration tests start their own PostgreSQL, MariaDB and embedded
# Kafka and remove them afterwards). Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 600 "$@"
