#!/usr/bin/env bash
# The ODBC sink benchmark (issue 5): the sink benchmark's workload — N records (default 500k) of
# five columns as Connect JSON in 16 partitions on the embedded broker — into MariaDB and SQLite
# through sluice's ODBC writer, each against its own ceiling measured in the same run:
#   MariaDB: LOAD DATA LOCAL INFILE of the same rows as CSV (the server's bulk path);
#   SQLite:  one prepared INSERT in one transaction from C++ (bench/sqlite_ceiling.cpp).
# Prints rows/s and ratios (target >= 0.6 of each ceiling), peak RSS and database time per batch,
# as medians over ROUNDS rounds (default 3).
#   [ROUNDS=3] bench/odbc_sink_bench.sh [N]        NO_BUILD=1 skips the build (when it was just built)
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
# Seconds since $1, with a leading zero (bc printed ".85" for a phase under a second, which is not JSON).
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }'; }

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

# SQLite files, made anew each round: the ceiling's and the sink's (one file each, so neither waits
# for the other's lock).
scols="id BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, amount DECIMAL(12,2) NOT NULL, placed_at DATETIME NOT NULL, paid BOOLEAN"

coproc KAFKA { exec "$bin/app/sluice" kafka --topic bench:16 2>"$work/kafka.log"; }
kafka_pid=$KAFKA_PID
read -r bootstrap <&"${KAFKA[0]}"

"$bin/bench/bench_produce" --csv "$work/rows.csv" --count "$N"
t=$(now); "$bin/bench/bench_produce" --bootstrap "$bootstrap" --topic bench --count "$N"; p=$(since "$t")

# session.timeout.ms 6 s and heartbeats every 0.5 s, as in the tests: librdkafka's mock broker lets
# a rebalance of a running group wait session.timeout.ms minus 1 s (44 s by default) before it
# assigns anything. In two two-task drains the group's first SyncGroup was refused and the drain
# stood still 42-44 s (RESULTS.md, 2026-11-24 15:14 and 15:28).
sink_config() {  # NAME MODE TABLE URL
  cat >"$work/$1.json" <<JSON
{"name": "$1", "config": {"connector.class": "jdbc-sink", "connection.url": "$4",
 "bootstrap.servers": "$bootstrap", "topics": "bench", "table.name.format": "$3",
 "consumer.override.session.timeout.ms": "6000", "consumer.override.heartbeat.interval.ms": "500",
 "insert.mode": "$2", "pk.mode": "record_value", "pk.fields": "id", "batch.size": "$BATCH"}}
JSON
}
murl="jdbc:mysql://127.0.0.1:$mport/bench?user=bench&password=bench"
logs=${LOGS:-$(mktemp -d /tmp/sluice-bench-logs.XXXXXX)}  # every drain's log, kept after the run
run() { "$bin/bench/sink_e2e" --config "$work/$1.json" --expect "$N" 2>"$logs/$1.log" || { tail "$logs/$1.log" >&2; exit 1; }; }

# ROUNDS rounds (default 3), as in sink_bench.sh: each times both ceilings and then the four
# drains on emptied tables (new SQLite files), and the summary gives medians over the rounds.
# The SQLite ceiling alone measured 677k to 787k rows/s in single runs (RESULTS.md, 2026-11-24).
ROUNDS=${ROUNDS:-3}
rounds=()
for r in $(seq "$ROUNDS"); do
  mysql bench -e "TRUNCATE load_a; TRUNCATE m_insert; TRUNCATE m_upsert"
  rm -f "$work"/ceiling.db* "$work"/sink.db*
  for f in ceiling sink; do sqlite3 "$work/$f.db" "CREATE TABLE s_insert ($scols); CREATE TABLE s_upsert ($scols);"; done
  t=$(now)
  mysql bench -e "LOAD DATA LOCAL INFILE '$work/rows.csv' INTO TABLE load_a FIELDS TERMINATED BY ',' (id, name, amount, @ts, @paid) SET placed_at = LEFT(@ts, 23), paid = (@paid = 't')"
  a=$(since "$t")
  sq=$("$bin/bench/sqlite_ceiling" --db "$work/ceiling.db" --csv "$work/rows.csv" --table s_insert)
  sink_config "m-insert-r$r" insert m_insert "$murl"
  sink_config "m-upsert-r$r" upsert m_upsert "$murl"
  sink_config "s-insert-r$r" insert s_insert "jdbc:sqlite:$work/sink.db"
  sink_config "s-upsert-r$r" upsert s_upsert "jdbc:sqlite:$work/sink.db"
  mi=$(run "m-insert-r$r"); mu=$(run "m-upsert-r$r"); si=$(run "s-insert-r$r"); su=$(run "s-upsert-r$r")
  rounds+=("{\"a\": $a, \"sq\": $sq, \"mi\": $mi, \"mu\": $mu, \"si\": $si, \"su\": $su}")
done

for t in load_a m_insert m_upsert; do
  n=$(mysql -N bench -e "SELECT COUNT(*) FROM $t"); [[ "$n" == "$N" ]] || { echo "MariaDB table $t holds $n rows, expected $N" >&2; exit 1; }
done
for t in s_insert s_upsert; do
  n=$(sqlite3 "$work/sink.db" "SELECT COUNT(*) FROM $t"); [[ "$n" == "$N" ]] || { echo "SQLite table $t holds $n rows, expected $N" >&2; exit 1; }
done
python3 - "$N" "$p" "${rounds[@]}" <<'PY'
import json, statistics, sys
sys.path.insert(0, "bench")
import rounds as rounds_
n, p = int(sys.argv[1]), float(sys.argv[2])
rounds = rounds_.load(sys.argv[3:])
def figs(f, fmt):
    return rounds_.figs(rounds, f, fmt)
print(rounds_.header(n, "MariaDB 10.11 and SQLite 3.40 on this machine, ODBC", rounds))
ra, ra_s = figs(lambda r: n / r["a"], ".0f")
rs, rs_s = figs(lambda r: r["sq"]["rows_per_s"], ".0f")
print(f"(m) MariaDB LOAD DATA LOCAL INFILE: {ra:10.0f} rows/s  [{ra_s}]")
print(f"(s) SQLite prepared INSERT, one txn: {rs:10.0f} rows/s  [{rs_s}]")
print(f"    producing the topic:            {n / p:10.0f} rec/s   ({p:.2f} s, not a baseline)")
for name, k, base, label in (("MariaDB insert", "mi", lambda r: n / r["a"], "m"), ("MariaDB upsert", "mu", lambda r: n / r["a"], "m"),
                             ("SQLite insert ", "si", lambda r: r["sq"]["rows_per_s"], "s"),
                             ("SQLite upsert ", "su", lambda r: r["sq"]["rows_per_s"], "s")):
    v, v_s = figs(lambda r: r[k]["rows_per_s"], ".0f")
    x, x_s = figs(lambda r: r[k]["rows_per_s"] / base(r), ".2f")
    ms = statistics.median(r[k]["db_seconds_per_batch"] * 1000 for r in rounds)
    print(f"sluice {name}: {v:10.0f} rows/s  [{v_s}]  = {x:.2f}x ({label})  [{x_s}]  [target >= 0.6]  "
          f"{ms:.0f} ms/batch, peak RSS {max(r[k]['peak_rss_mib'] for r in rounds)} MiB")
print("raw:", json.dumps({"rounds": rounds}))
PY
echo "logs of every drain: $logs"
