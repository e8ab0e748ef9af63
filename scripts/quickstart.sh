#!/usr/bin/env bash
# README command (1): installs what is missing, builds sluice, starts a throwaway PostgreSQL and
# the embedded Kafka broker, produces a small demo stream of Connect JSON records, runs a
# jdbc-sink connector that upserts them into PostgreSQL, shows what moved, and stops everything.
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
  [[ -n "${sink_pid:-}" ]] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null || true
  [[ -n "${kafka_pid:-}" ]] && kill "$kafka_pid" 2>/dev/null && wait "$kafka_pid" 2>/dev/null || true
  bash scripts/pg.sh stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting a throwaway PostgreSQL"
port=$(bash scripts/pg.sh start "$work/pg")
psql() { command psql -X -q -v ON_ERROR_STOP=1 -h "$work/pg" -p "$port" -U postgres "$@"; }
psql -c "CREATE DATABASE demo"

echo "== starting the embedded Kafka broker (sluice kafka)"
coproc KAFKA { "$sluice" kafka --topic orders:4 2>"$work/kafka.log"; }
kafka_pid=$KAFKA_PID
read -r bootstrap <&"${KAFKA[0]}"
echo "   bootstrap.servers=$bootstrap"

echo "== producing 1000 order events (Connect JSON with schema; every 10th order updated twice)"
schema='{"type":"struct","fields":[{"field":"id","type":"int64","optional":false},{"field":"customer","type":"string","optional":false},{"field":"amount","type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},{"field":"placed_at","type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},{"field":"paid","type":"boolean","optional":true}],"optional":false,"name":"orders.Value"}'
python3 - "$schema" >"$work/orders.txt" <<'PY'
import base64, json, sys
schema = json.loads(sys.argv[1])
def dec(cents):
    return base64.b64encode(cents.to_bytes((cents.bit_length() + 8) // 8 or 1, "big", signed=True)).decode()
events = [(i, i * 137 % 10000, False) for i in range(1, 1001)]
events += [(i, i * 137 % 10000 + 100, True) for i in range(10, 1001, 10)] * 2
for n, (i, cents, paid) in enumerate(events):
    key = json.dumps({"schema": {"type": "int64", "optional": False}, "payload": i})
    value = json.dumps({"schema": schema, "payload": {"id": i, "customer": f"customer-{i % 37}",
        "amount": dec(cents), "placed_at": 1700000000000 + i * 60000 + n, "paid": paid}})
    print(f"{key}\t{value}")
PY
kcat -P -b "$bootstrap" -t orders -K $'\t' -z lz4 <"$work/orders.txt"
echo "   $(wc -l <"$work/orders.txt") records produced to topic 'orders'"

cat >"$work/sink.json" <<JSON
{
  "name": "orders-sink",
  "config": {
    "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
    "connection.url": "jdbc:postgresql://127.0.0.1:$port/demo?user=postgres",
    "bootstrap.servers": "$bootstrap",
    "topics": "orders",
    "insert.mode": "upsert",
    "pk.mode": "record_value",
    "pk.fields": "id",
    "auto.create": "true",
    "table.name.format": "\"OrderCopy\""
  }
}
JSON
echo "== running the sink: sluice run $work/sink.json"
"$sluice" run "$work/sink.json" 2>"$work/sink.log" &
sink_pid=$!
for _ in $(seq 1 120); do
  n=$(psql -At -d demo -c 'SELECT count(*) FROM "OrderCopy"' 2>/dev/null || echo 0)
  [[ "$n" == 1000 ]] && break
  kill -0 "$sink_pid" 2>/dev/null || break
  sleep 0.5
done
kill -TERM "$sink_pid" 2>/dev/null || true
if ! wait "$sink_pid"; then cat "$work/sink.log" >&2; exit 1; fi
sink_pid=

echo "== what moved"
psql -d demo -c 'SELECT count(*) AS rows, count(*) FILTER (WHERE paid) AS paid, sum(amount) AS total FROM "OrderCopy"'
psql -d demo -c 'SELECT * FROM "OrderCopy" ORDER BY id LIMIT 5'
psql -d demo -c 'SELECT topic, "partition", next_offset FROM sluice_offsets ORDER BY 2'
n=$(psql -At -d demo -c 'SELECT count(*) FROM "OrderCopy"')
if [[ "$n" != 1000 ]]; then echo "quickstart: expected 1000 rows, found $n" >&2; cat "$work/sink.log" >&2; exit 1; fi
echo "== quickstart done: 1200 events → 1000 rows in PostgreSQL (updates upserted in place)"
