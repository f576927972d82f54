#!/usr/bin/env bash
# What the example costs a user: starts the packaged app, runs one approved turn over its HTTP API
# (as the page does), then prints the resident memory of the JVM and of everything it started
# (codex included) and the start-up time Spring reports. Run from the repository's top folder after
#   mvn -B -ntp -pl examples/spring-web -am package -DskipTests
# Usage: examples/spring-web/measure.sh [PORT] [extra java options...]
set -euo pipefail
port=${1:-18990}; shift || true
jar=examples/spring-web/target/codex-bridge-example-spring-web-0.1.0-SNAPSHOT.jar
log=$(mktemp)
java "$@" -jar "$jar" --server.port="$port" >"$log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null; wait $app 2>/dev/null; rm -f "$log"' EXIT
base=http://127.0.0.1:$port
until grep -q "Started ExampleWebApplication" "$log"; do
  kill -0 $app 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
id=$(curl -s -XPOST "$base/api/conversations" | sed 's/.*"id":"\([^"]*\)".*/\1/')
events=$(mktemp)
curl -s -XPOST -H 'Content-Type: application/json' -d '{"text":"one two three"}' "$base/api/conversations/$id/messages"
# the turn's events (the starter's TurnSse): they wait for this request from the turn's start
curl -sN "$base/api/conversations/$id/turn/events" >"$events" &
sse=$!
until grep -q '^event:approvalRequested$' "$events"; do sleep 0.2; done
approval=$(grep -A1 '^event:approvalRequested$' "$events" | sed -n 's/.*"approvalId":"\([^"]*\)".*/\1/p')
curl -s -o /dev/null -XPOST -H 'Content-Type: application/json' -d '{"approve":true}' "$base/api/approvals/$approval"
until grep -q '^event:ended$' "$events"; do sleep 0.2; done
kill $sse 2>/dev/null || true; rm -f "$events"
tree() { echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }
total=0
for p in $(tree $app); do
  rss=$(awk '/VmRSS/{print $2}' /proc/$p/status 2>/dev/null || echo 0)
  printf '%-8s %-12s %8s KiB\n' "$p" "$(cat /proc/$p/comm 2>/dev/null)" "${rss:-0}"
  total=$((total + ${rss:-0}))
done
echo "total RSS after one approved turn: $((total / 1024)) MiB"
grep -o "Started ExampleWebApplication in [0-9.]* seconds" "$log"
