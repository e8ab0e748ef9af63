#!/usr/bin/env bash
# A deployment script of the kind teams keep for Kafka Connect: create a connector from its
# Confluent JSON body, wait until it and its tasks run, pause, resume, restart, delete. Plain
# curl and the Kafka Connect REST API only, nothing sluice-specific, so it runs unchanged
# against Kafka Connect or `sluice serve`.
# Usage: CONNECT_URL=http://localhost:8083 connect_deploy.sh CONNECTOR.json
set -euo pipefail

CONNECT_URL="${CONNECT_URL:-http://localhost:8083}"
BODY_FILE="$1"
NAME=$(tr -d '\n' < "$BODY_FILE" | sed -n 's/^[[:space:]]*{[[:space:]]*"name"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
[ -n "$NAME" ] || { echo "no \"name\" first in $BODY_FILE" >&2; exit 2; }
RESP=$(mktemp)
trap 'rm -f "$RESP"' EXIT

call() {  # call METHOD PATH EXPECTED_CODE [DATA_FILE]
  local method=$1 path=$2 want=$3 code
  if [ $# -ge 4 ]; then
    code=$(curl -s -o "$RESP" -w '%{http_code}' -X "$method" -H 'Content-Type: application/json' \
      -H 'Accept: application/json' --data @"$4" "$CONNECT_URL$path")
  else
    code=$(curl -s -o "$RESP" -w '%{http_code}' -X "$method" -H 'Accept: application/json' \
      "$CONNECT_URL$path")
  fi
  if [ "$code" != "$want" ]; then
    echo "$method $path: HTTP $code, expected $want: $(cat "$RESP")" >&2
    exit 1
  fi
  echo "$method $path -> $code"
}

# Waits until the connector and every task report STATE.
wait_for() {
  local want=$1
  for _ in $(seq 1 150); do
    call GET "/connectors/$NAME/status" 200 >/dev/null
    local states
    states=$(grep -o '"state":"[A-Z]*"' "$RESP" | sort -u | tr '\n' ' ')
    if [ "$states" = "\"state\":\"$want\" " ]; then
      echo "$NAME: $want"
      return 0
    fi
    sleep 0.2
  done
  echo "$NAME never reached $want: $(cat "$RESP")" >&2
  exit 1
}

call GET / 200
call GET /connector-plugins 200
grep -q 'JdbcSinkConnector' "$RESP" || { echo "JDBC sink plugin missing" >&2; exit 1; }
call POST /connectors 201 "$BODY_FILE"
call POST /connectors 409 "$BODY_FILE"  # already exists
wait_for RUNNING
call GET "/connectors/$NAME/config" 200
call GET "/connectors/$NAME/tasks" 200
call PUT "/connectors/$NAME/pause" 202
wait_for PAUSED
call PUT "/connectors/$NAME/resume" 202
wait_for RUNNING
call POST "/connectors/$NAME/restart" 204
wait_for RUNNING
call POST "/connectors/$NAME/restart?includeTasks=true&onlyFailed=false" 202
wait_for RUNNING
call POST "/connectors/$NAME/tasks/0/restart" 204
wait_for RUNNING
call GET /connectors 200
grep -q "\"$NAME\"" "$RESP" || { echo "$NAME not listed" >&2; exit 1; }
call DELETE "/connectors/$NAME" 204
call GET "/connectors/$NAME" 404
echo "deployed and removed $NAME"
