#!/usr/bin/env bash
# README command (1): installs what is missing, builds sluice, starts a throwaway PostgreSQL,
# creates a demo table, and runs a jdbc-source that publishes it to the embedded Kafka broker and
# a jdbc-sink that writes the topic into a second table; shows both tables' counts and checksums
# (they match) and stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/setup.sh
echo "== building sluice (first build takes a few minutes)"
bash scripts/build.sh --target sluice >/dev/null
sluice="$root/build/app/sluice"

work=$(mktemp -d /tmp/sluice-quickstart.XXXXXX)
chmod 755 "$work"
cleanup() {
  [[ -n "${run_pid:-}" ]] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null || true
  bash scripts/pg.sh stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting a throwaway PostgreSQL"
port=$(bash scripts/pg.sh start "$work/pg")
psql() { command psql -X -q -v ON_ERROR_STOP=1 -h "$work/pg" -p "$port" -U postgres "$@"; }
psql -c "CREATE DATABASE demo"

echo "== creating the demo table orders (1000 rows)"
psql -d demo -c "CREATE TABLE orders (id bigserial PRIMARY KEY, customer text NOT NULL,
  amount numeric(12,2) NOT NULL, placed_at timestamptz NOT NULL, paid boolean)"
psql -d demo -c "INSERT INTO orders (customer, amount, placed_at, paid)
  SELECT 'customer-' || (g % 37), round((g * 1.37)::numeric, 2),
         timestamptz '2026-01-01 00:00:00+00' + g * interval '61.123456 seconds', g % 3 = 0
  FROM generate_series(1, 1000) g"

# One file, two connectors, one process: the source publishes the table to the embedded broker
# (bootstrap.servers=embedded, the default), the sink writes the topic into a second table.
cat >"$work/pipeline.json" <<JSON
[
  {"name": "orders-source",
   "config": {
     "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
     "connection.url": "jdbc:postgresql://127.0.0.1:$port/demo?user=postgres",
     "mode": "incrementing",
     "incrementing.column.name": "id",
     "table.whitelist": "orders",
     "topic.prefix": "demo-",
     "poll.interval.ms": "200",
     "offset.storage.file.filename": "$work/offsets/orders-source.json"}},
  {"name": "orders-sink",
   "config": {
     "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
     "connection.url": "jdbc:postgresql://127.0.0.1:$port/demo?user=postgres",
     "topics": "demo-orders",
     "insert.mode": "upsert",
     "pk.mode": "record_key",
     "auto.create": "true",
     "table.name.format": "\"OrderCopy\""}}
]
JSON
echo "== running: sluice run pipeline.json (a jdbc-source and a jdbc-sink)"
"$sluice" run "$work/pipeline.json" 2>"$work/run.log" &
run_pid=$!
for _ in $(seq 1 240); do
  n=$(psql -At -d demo -c 'SELECT count(*) FROM "OrderCopy"' 2>/dev/null || echo 0)
  [[ "$n" == 1000 ]] && break
  kill -0 "$run_pid" 2>/dev/null || break
  sleep 0.5
done
kill -TERM "$run_pid" 2>/dev/null || true
if ! wait "$run_pid"; then cat "$work/run.log" >&2; exit 1; fi
run_pid=

echo "== what moved"
sum="md5(string_agg(concat_ws('|', id, customer, amount, placed_at, paid), ';' ORDER BY id))"
psql -d demo -c "SELECT 'orders' AS table, count(*) AS rows, $sum AS checksum FROM orders
                 UNION ALL SELECT '\"OrderCopy\"', count(*), $sum FROM \"OrderCopy\""
psql -d demo -c 'SELECT * FROM "OrderCopy" ORDER BY id LIMIT 5'
a=$(psql -At -d demo -c "SELECT count(*) || ' ' || $sum FROM orders")
b=$(psql -At -d demo -c "SELECT count(*) || ' ' || $sum FROM \"OrderCopy\"")
if [[ "$a" != "$b" ]]; then
  echo "quickstart: the tables differ: orders=($a) OrderCopy=($b)" >&2; cat "$work/run.log" >&2; exit 1
fi
echo "== quickstart done: orders → jdbc-source → Kafka (embedded) → jdbc-sink → \"OrderCopy\": $a"
