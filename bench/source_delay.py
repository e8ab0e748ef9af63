#!/usr/bin/python3
"""Change-capture delay of a running source: commits RATE rows per second into TABLE for SECONDS,
noting when each commit returned, while a consumer reads TOPIC and notes when each row arrived.
Prints one JSON line: rows, p50/p95/p99/max delay in ms (commit returned → record consumed).
Usage: source_delay.py DSN TABLE BOOTSTRAP TOPIC SECONDS RATE"""
import json, sys, threading, time

import psycopg2
from confluent_kafka import Consumer

dsn, table, bootstrap, topic, seconds, rate = sys.argv[1:7]
seconds, rate = float(seconds), float(rate)
committed, arrived = {}, {}
c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"delay-{time.time()}",
              "auto.offset.reset": "latest", "fetch.wait.max.ms": 5, "enable.auto.commit": False})
c.subscribe([topic])
assigned = threading.Event()
stop = threading.Event()

def consume():
    while not stop.is_set():
        m = c.poll(0.05)
        if m is None:
            if c.assignment():
                assigned.set()
            continue
        assigned.set()
        if m.error() or m.value() is None:
            continue
        now = time.time()
        p = json.loads(m.value())
        p = p.get("payload", p)
        arrived.setdefault(p["id"], now)

t = threading.Thread(target=consume)
t.start()
assigned.wait(30)
time.sleep(1)
db = psycopg2.connect(dsn)
cur = db.cursor()
end = time.time() + seconds
while time.time() < end:
    cur.execute(f"INSERT INTO {table} (name, amount, placed_at, paid) VALUES ('delay', 1.23, now(), true) RETURNING id")
    rid = cur.fetchone()[0]
    db.commit()
    committed[rid] = time.time()
    time.sleep(1.0 / rate)
deadline = time.time() + 30
while time.time() < deadline and not all(k in arrived for k in committed):
    time.sleep(0.1)
stop.set()
t.join()
delays = sorted((arrived[k] - v) * 1000 for k, v in committed.items() if k in arrived)
missing = sum(1 for k in committed if k not in arrived)
pct = lambda q: round(delays[min(len(delays) - 1, int(q * len(delays)))], 1) if delays else None
print(json.dumps({"rows": len(committed), "missing": missing, "p50_ms": pct(0.5), "p95_ms": pct(0.95),
                  "p99_ms": pct(0.99), "max_ms": round(delays[-1], 1) if delays else None}))
