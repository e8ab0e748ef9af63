#!/usr/bin/python3
"""Baseline (c) of the source benchmark: a hand-written Python poller, the way people write one:
psycopg2 named (server-side) cursor, rows turned into Connect JSON with the schema envelope,
confluent-kafka producer.
Usage: python_source.py DSN TABLE BOOTSTRAP TOPIC
Prints one JSON line: rows, seconds, rows_per_s."""
import base64, json, sys, time

import psycopg2
from confluent_kafka import Producer

dsn, table, bootstrap, topic = sys.argv[1:5]
schema = {"type": "struct", "name": table, "optional": False, "fields": [
    {"field": "id", "type": "int64", "optional": False},
    {"field": "name", "type": "string", "optional": False},
    {"field": "amount", "type": "bytes", "optional": False, "name": "org.apache.kafka.connect.data.Decimal",
     "version": 1, "parameters": {"scale": "2"}},
    {"field": "placed_at", "type": "int64", "optional": False, "name": "io.debezium.time.MicroTimestamp"},
    {"field": "paid", "type": "boolean", "optional": True}]}
key_schema = {"type": "struct", "optional": False, "fields": [{"field": "id", "type": "int64", "optional": False}]}
p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 20,
              "compression.type": "lz4"})
db = psycopg2.connect(dsn)
start = time.monotonic()
cur = db.cursor(name="poller")
cur.itersize = 10000
cur.execute(f"SELECT id, name, amount, placed_at, paid FROM {table} ORDER BY id")
n = 0
for id_, name, amount, placed_at, paid in cur:
    cents = int(amount.scaleb(2))
    micros = int(placed_at.timestamp()) * 1000000 + placed_at.microsecond
    value = {"schema": schema, "payload": {"id": id_, "name": name,
             "amount": base64.b64encode(cents.to_bytes((cents.bit_length() + 8) // 8, "big", signed=True)).decode(),
             "placed_at": micros, "paid": paid}}
    key = {"schema": key_schema, "payload": {"id": id_}}
    while True:
        try:
            p.produce(topic, json.dumps(value).encode(), json.dumps(key).encode())
            break
        except BufferError:
            p.poll(0.01)
    p.poll(0)
    n += 1
p.flush()
secs = time.monotonic() - start
print(json.dumps({"rows": n, "seconds": round(secs, 3), "rows_per_s": round(n / secs)}))
