#!/usr/bin/env bash
# The source benchmark (issue 4): initial load of an N-row table (default 1M; the sink
# benchmark's five columns) into 16 partitions of the embedded broker, in one run with its
# baselines: (a) COPY (SELECT …) TO STDOUT into /dev/null (the database's read ceiling),
# (b) kcat -P producing the exact bytes sluice produced (the Kafka write ceiling), (c) a
# hand-written Python poller. Then the steady state: rows committed at 20/s, delay until each is
# in Kafka, with poll.interval.ms=1000.
#   bench/source_bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
N=${1:-1000000}
bash scripts/setup.sh --bench
bash scripts/build.sh --target sluice bench_produce source_e2e >/dev/null
bin=$root/build
work=$(mktemp -d /tmp/sluice-sbench.XXXXXX); chmod 755 "$work"
cleanup() {
  [[ -n "${kafka_pid:-}" ]] && kill "$kafka_pid" 2>/dev/null; wait 2>/dev/null || true
  bash scripts/pg.sh stop "$work/pg"; rm -rf "$work"
}
trap cleanup EXIT
port=$(bash scripts/pg.sh start "$work/pg")
psql() { command psql -X -q -At -v ON_ERROR_STOP=1 -h "$work/pg" -p "$port" -U postgres -d postgres "$@"; }
now() { date +%s.%N; }
# Seconds since $1, with a leading zero (bc printed ".85" for a phase under a second, which is not JSON).
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }'; }
psql -c "CREATE TABLE bench (id bigserial PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL, placed_at timestamptz NOT NULL, paid boolean)"
"$bin/bench/bench_produce" --csv "$work/rows.csv" --count "$N"; chmod 644 "$work/rows.csv"
psql -c "COPY bench FROM '$work/rows.csv' (FORMAT csv)"
psql -c "SELECT setval('bench_id_seq', (SELECT max(id) FROM bench))" >/dev/null
psql -c "VACUUM ANALYZE bench"

coproc KAFKA { exec "$bin/app/sluice" kafka --topic sl-bench:16 --topic replay:16 --topic py:16 --topic dl-live:4 2>"$work/kafka.log"; }
kafka_pid=$KAFKA_PID
read -r bootstrap <&"${KAFKA[0]}"

t=$(now); psql -c "COPY (SELECT id, name, amount, placed_at, paid FROM bench) TO STDOUT" >/dev/null; a=$(since "$t")

cat >"$work/source.json" <<JSON
{"name": "bench-source", "config": {"connector.class": "jdbc-source",
 "connection.url": "jdbc:postgresql://127.0.0.1:$port/postgres?user=postgres",
 "bootstrap.servers": "$bootstrap", "mode": "incrementing", "incrementing.column.name": "id",
 "table.whitelist": "bench", "topic.prefix": "sl-", "batch.max.rows": "${ROWS:-10000}",
 "poll.interval.ms": "1000", "offset.storage.file.filename": "$work/offsets.json",
 "producer.override.compression.type": "lz4"}}
JSON
src=$("$bin/bench/source_e2e" --config "$work/source.json" --expect "$N" 2>"$work/source.log") || { tail "$work/source.log"; exit 1; }

# (b) the exact bytes sluice produced, replayed by kcat
kcat -C -b "$bootstrap" -t sl-bench -e -q -f '%k\t%s\n' >"$work/replay.txt"
got=$(wc -l <"$work/replay.txt")
[[ "$got" == "$N" ]] || { echo "topic sl-bench holds $got records, expected $N" >&2; exit 1; }
t=$(now); kcat -P -b "$bootstrap" -t replay -K $'\t' -z lz4 <"$work/replay.txt"; b=$(since "$t")

py=$(/usr/bin/python3 bench/python_source.py "host=$work/pg port=$port user=postgres dbname=postgres" bench "$bootstrap" py)

# steady state: a second source on a live table, polling every second
psql -c "CREATE TABLE live (LIKE bench INCLUDING ALL)"
psql -c "ALTER TABLE live ALTER COLUMN id SET DEFAULT nextval('bench_id_seq')"
sed -e 's/"bench-source"/"delay-source"/' -e 's/"sl-"/"dl-"/' -e "s|offsets.json|offsets-delay.json|" \
    -e 's/"table.whitelist": "bench"/"table.whitelist": "live"/' "$work/source.json" >"$work/delay.json"
"$bin/app/sluice" run "$work/delay.json" 2>"$work/delay.log" &
run_pid=$!
sleep 2
delay=$(/usr/bin/python3 bench/source_delay.py "host=$work/pg port=$port user=postgres dbname=postgres" live "$bootstrap" dl-live 20 20 2>/dev/null | tail -1)
kill -TERM $run_pid; wait $run_pid || true

python3 - "$N" "$a" "$b" "$src" "$py" "$delay" <<'PY'
import json, sys
n = int(sys.argv[1]); a, b = float(sys.argv[2]), float(sys.argv[3])
src, py, delay = (json.loads(x) for x in sys.argv[4:7])
ra, rb = n / a, n / b
slower = min(ra, rb)
print(f"rows: {n}, table of five columns, 16 partitions on the embedded broker, PostgreSQL 15 on this machine")
print(f"(a) COPY (SELECT ...) TO STDOUT > /dev/null: {ra:10.0f} rows/s  ({a:.2f} s)")
print(f"(b) kcat -P of sluice's exact bytes:         {rb:10.0f} rec/s   ({b:.2f} s)")
print(f"(c) Python poller (named cursor + producer): {py['rows_per_s']:10.0f} rows/s  ({py['seconds']:.2f} s)")
print(f"sluice initial load:                         {src['rows_per_s']:10.0f} rows/s  ({src['seconds']:.2f} s)"
      f"  = {src['rows_per_s']/slower:.2f}x min(a,b)  [target >= 0.7]  = {src['rows_per_s']/py['rows_per_s']:.1f}x (c)  [target >= 5]")
print(f"peak RSS: {src['peak_rss_mib']} MiB  [target <= 128]")
print(f"steady state, poll.interval.ms=1000, 20 commits/s: p50 {delay['p50_ms']} ms, p95 {delay['p95_ms']} ms, "
      f"p99 {delay['p99_ms']} ms, max {delay['max_ms']} ms, missing {delay['missing']}  [target <= 1100 ms]")
print("raw:", json.dumps({"source": src, "python": py, "delay": delay}))
PY
