#!/usr/bin/env bash
# The ODBC sink benchmark (issue 5): the sink benchmark's workload — N records (default 500k) of
# five columns as Connect JSON in 16 partitions on the embedded broker — into MariaDB and SQLite
# through sluice's ODBC writer, each against its own ceiling measured in the same run:
#   MariaDB: LOAD DATA LOCAL INFILE of the same rows as CSV (the server's bulk path);
#   SQLite:  one prepared INSERT in one transaction from C++ (bench/sqlite_ceiling.cpp).
# Prints rows/s and ratios (target >= 0.6 of each ceiling), peak RSS and database time per batch.
#   bench/odbc_sink_bench.sh [N]        NO_BUILD=1 skips the build (when it was just built)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
N=${1:-500000}
BATCH=${BATCH:-10000}
bash scripts/setup.sh --bench
[[ -n "${NO_BUILD:-}" ]] || bash scripts/build.sh --target sluice bench_produce sink_e2e sqlite_ceiling >/dev/null
bin=$root/build
work=$(mktemp -d /tmp/sluice-odbc-bench.XXXXXX); chmod 755 "$work"
maria_pid=
cleanup() {
  [[ -n "${kafka_pid:-}" ]] && kill "$kafka_pid" 2>/dev/null
  [[ -n "$maria_pid" ]] && kill "$maria_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }

# A throwaway MariaDB (as the tests' fixture: no binlog, relaxed flushing), with local_infile.
mkdir -p "$work/maria/data" "$work/maria/tmp"
[[ $(id -u) -eq 0 ]] && chown -R mysql: "$work/maria"
as_root_user=(); [[ $(id -u) -eq 0 ]] && as_root_user=(--user=mysql)
mariadb-install-db --no-defaults --datadir="$work/maria/data" --auth-root-authentication-method=normal \
  --skip-test-db --skip-name-resolve --tmpdir="$work/maria/tmp" "${as_root_user[@]}" >"$work/maria/install.log" 2>&1
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/sbin/mariadbd --no-defaults --datadir="$work/maria/data" --socket="$work/maria/sock" --port="$mport" \
  --bind-address=127.0.0.1 --tmpdir="$work/maria/tmp" --local-infile=1 --max-connections=200 \
  --innodb-buffer-pool-size=512M --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 --skip-log-bin \
  --skip-name-resolve "${as_root_user[@]}" >"$work/maria/server.log" 2>&1 &
maria_pid=$!
mysql() { command mariadb --no-defaults -S "$work/maria/sock" -u root --local-infile=1 "$@"; }
for _ in $(seq 100); do mysql -e "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
mysql -e "CREATE DATABASE bench; CREATE USER 'bench'@'%' IDENTIFIED BY 'bench'; GRANT ALL ON *.* TO 'bench'@'%';"
mcols="id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, amount DECIMAL(12,2) NOT NULL, placed_at DATETIME(6) NOT NULL, paid BOOLEAN"
for t in load_a m_insert m_upsert; do
  mysql bench -e "CREATE TABLE $t ($mcols) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
done

# SQLite files: the ceiling's and the sink's (one file each, so neither waits for the other's lock).
scols="id BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, amount DECIMAL(12,2) NOT NULL, placed_at DATETIME NOT NULL, paid BOOLEAN"
for f in ceiling sink; do sqlite3 "$work/$f.db" "CREATE TABLE s_insert ($scols); CREATE TABLE s_upsert ($scols);"; done

coproc KAFKA { exec "$bin/app/sluice" kafka --topic bench:16 2>"$work/kafka.log"; }
kafka_pid=$KAFKA_PID
read -r bootstrap <&"${KAFKA[0]}"

"$bin/bench/bench_produce" --csv "$work/rows.csv" --count "$N"
t=$(now)
mysql bench -e "LOAD DATA LOCAL INFILE '$work/rows.csv' INTO TABLE load_a FIELDS TERMINATED BY ',' (id, name, amount, @ts, @paid) SET placed_at = LEFT(@ts, 23), paid = (@paid = 't')"
a=$(echo "$(now) - $t" | bc)
sq=$("$bin/bench/sqlite_ceiling" --db "$work/ceiling.db" --csv "$work/rows.csv" --table s_insert)

t=$(now); "$bin/bench/bench_produce" --bootstrap "$bootstrap" --topic bench --count "$N"; p=$(echo "$(now) - $t" | bc)

sink_config() {  # NAME MODE TABLE URL
  cat >"$work/$1.json" <<JSON
{"name": "$1", "config": {"connector.class": "jdbc-sink", "connection.url": "$4",
 "bootstrap.servers": "$bootstrap", "topics": "bench", "table.name.format": "$3",
 "insert.mode": "$2", "pk.mode": "record_value", "pk.fields": "id", "batch.size": "$BATCH"}}
JSON
}
murl="jdbc:mysql://127.0.0.1:$mport/bench?user=bench&password=bench"
sink_config m-insert insert m_insert "$murl"
sink_config m-upsert upsert m_upsert "$murl"
sink_config s-insert insert s_insert "jdbc:sqlite:$work/sink.db"
sink_config s-upsert upsert s_upsert "jdbc:sqlite:$work/sink.db"
run() { "$bin/bench/sink_e2e" --config "$work/$1.json" --expect "$N" 2>"$work/$1.log" || { tail "$work/$1.log" >&2; exit 1; }; }
mi=$(run m-insert); mu=$(run m-upsert); si=$(run s-insert); su=$(run s-upsert)

for t in load_a m_insert m_upsert; do
  n=$(mysql -N bench -e "SELECT COUNT(*) FROM $t"); [[ "$n" == "$N" ]] || { echo "MariaDB table $t holds $n rows, expected $N" >&2; exit 1; }
done
for t in s_insert s_upsert; do
  n=$(sqlite3 "$work/sink.db" "SELECT COUNT(*) FROM $t"); [[ "$n" == "$N" ]] || { echo "SQLite table $t holds $n rows, expected $N" >&2; exit 1; }
done
python3 - "$N" "$a" "$p" "$sq" "$mi" "$mu" "$si" "$su" <<'PY'
import json, sys
n = int(sys.argv[1]); a, p = map(float, sys.argv[2:4])
sq, mi, mu, si, su = (json.loads(x) for x in sys.argv[4:9])
ra, rs = n / a, sq["rows_per_s"]
print(f"rows: {n}, 16 partitions, Connect JSON with schema, MariaDB 10.11 and SQLite 3.40 on this machine, ODBC")
print(f"(m) MariaDB LOAD DATA LOCAL INFILE: {ra:10.0f} rows/s  ({a:.2f} s)")
print(f"(s) SQLite prepared INSERT, one txn: {rs:10.0f} rows/s  ({sq['seconds']:.2f} s)")
print(f"    producing the topic:            {n / p:10.0f} rec/s   ({p:.2f} s, not a baseline)")
for name, r, base, label in (("MariaDB insert", mi, ra, "m"), ("MariaDB upsert", mu, ra, "m"),
                             ("SQLite insert ", si, rs, "s"), ("SQLite upsert ", su, rs, "s")):
    print(f"sluice {name}:             {r['rows_per_s']:10.0f} rows/s  ({r['seconds']:.2f} s)  = {r['rows_per_s']/base:.2f}x ({label})"
          f"  [target >= 0.6]  {r['db_seconds_per_batch']*1000:.0f} ms/batch, peak RSS {r['peak_rss_mib']} MiB")
print("raw:", json.dumps({"mariadb_insert": mi, "mariadb_upsert": mu, "sqlite_insert": si, "sqlite_upsert": su,
                          "sqlite_ceiling": sq, "load_data_seconds": a}))
PY
