#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the quickstart and the benchmarks (tests use their own
# fixture, tests/support/pg_server). Usage:
#   scripts/pg.sh start DIR   initdb into DIR (as user postgres when root), listen on a unix socket in
#                             DIR and 127.0.0.1 on a free port; prints the port
#   scripts/pg.sh stop DIR    stops the server and removes DIR
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd=${1:?start|stop}; dir=${2:?DIR}
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB" \
      start >/dev/null
    echo "$port"
    ;;
  stop)
    [[ -d "$dir/data" ]] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
