#!/usr/bin/python3
"""Baseline (c): a hand-written Python sink, the way people write one: confluent-kafka consumer,
psycopg2 execute_values upserts in batches of 5000, offsets committed to Kafka after each batch.
Usage: python_sink.py BOOTSTRAP TOPIC DSN TABLE EXPECTED
Prints one JSON line: rows, seconds, rows_per_s."""
import base64, json, sys, time
from datetime import datetime, timezone
from decimal import Decimal

from confluent_kafka import Consumer
import psycopg2
from psycopg2.extras import execute_values

bootstrap, topic, dsn, table, expected = sys.argv[1:6]
expected = int(expected)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "python-baseline-" + table,
              "auto.offset.reset": "earliest", "enable.auto.commit": False})
c.subscribe([topic])
db = psycopg2.connect(dsn)
cur = db.cursor()
sql = (f'INSERT INTO {table} (id, name, amount, placed_at, paid) VALUES %s '
       'ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, amount = EXCLUDED.amount, '
       'placed_at = EXCLUDED.placed_at, paid = EXCLUDED.paid')
done = 0
start = None
while done < expected:
    msgs = c.consume(5000, 1.0)
    if not msgs:
        continue
    if start is None:
        start = time.monotonic()
    rows = {}
    for m in msgs:
        if m.error():
            continue
        p = json.loads(m.value())["payload"]
        cents = int.from_bytes(base64.b64decode(p["amount"]), "big", signed=True)
        rows[p["id"]] = (p["id"], p["name"], Decimal(cents).scaleb(-2),
                         datetime.fromtimestamp(p["placed_at"] / 1000, timezone.utc), p["paid"])
    execute_values(cur, sql, list(rows.values()), page_size=5000)
    db.commit()
    c.commit(asynchronous=False)
    done += len(msgs)
secs = time.monotonic() - start
print(json.dumps({"rows": done, "seconds": round(secs, 3), "rows_per_s": round(done / secs)}))
