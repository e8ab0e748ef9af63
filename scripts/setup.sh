#!/usr/bin/env bash
# Installs, from Debian's packages, exactly what sluice needs to build, test and benchmark
# and is not yet on this machine. Idempotent; prints nothing when nothing is missing.
# Usage: scripts/setup.sh [--bench]   (--bench adds what the benchmarks' baselines need)
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  librdkafka-dev libpq-dev postgresql postgresql-contrib
  unixodbc unixodbc-dev odbc-postgresql libsqliteodbc odbc-mariadb mariadb-server mariadb-client
  libboost1.81-dev libboost-json1.81-dev libsimdjson-dev libfmt-dev libspdlog-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  kcat curl sqlite3 libsqlite3-dev procps psmisc python3
  chromium
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3-confluent-kafka python3-psycopg2)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: these packages are missing: ${missing[*]}" >&2
  echo "setup: run this script as root (or: sudo $0) to install them" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# The server packages must not start system-wide services: tests start their own servers.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
