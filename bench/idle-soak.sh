#!/usr/bin/env bash
# Idle soak: wskit's echo server holds N idle connections (wsload --idle) for SECS seconds; its
# RSS is read every STEP seconds. Prints the samples and the growth from the first sample after
# the connections opened to the last: an idle connection must not cost more as time passes.
#   bench/idle-soak.sh [--conns 10000] [--secs 600] [--step 10]
source "$(dirname "$0")/common.sh"
conns=10000 secs=600 step=10
while [ $# -gt 0 ]; do
  case "$1" in
    --conns) conns="$2"; shift 2 ;;
    --secs) secs="$2"; shift 2 ;;
    --step) step="$2"; shift 2 ;;
    *) echo "usage: bench/idle-soak.sh [--conns N] [--secs S] [--step S]" >&2; exit 2 ;;
  esac
done
port=$((20000 + $$ % 10000))
PORT=$port node "$root/build/bench/servers/echo-server.js" >/dev/null &
server=$!
load=""
cleanup() {
  [ -n "$load" ] && kill "$load" 2>/dev/null
  kill "$server" 2>/dev/null
  wait 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ { print $2 }' "/proc/$server/status"; }
before=$(rss)
out=$(mktemp)
"$instruments/wsload" -p "$port" -c "$conns" --idle -d "$((secs + 30))" >"$out" 2>&1 &
load=$!
until grep -q '^ready' "$out"; do
  kill -0 "$load" 2>/dev/null || { cat "$out" >&2; exit 1; }
  sleep 0.2
done
echo "idle soak: $conns connections for ${secs}s, RSS before them ${before} KiB"
echo "| seconds | RSS KiB | bytes/conn |"
echo "| ------: | ------: | ---------: |"
first=""
for ((t = 0; t <= secs; t += step)); do
  [ "$t" -gt 0 ] && sleep "$step"
  now=$(rss)
  [ -z "$first" ] && first=$now
  echo "| $t | $now | $(((now - before) * 1024 / conns)) |"
done
echo "growth from the first sample to the last: $((now - first)) KiB ($(((now - first) * 1024 / conns)) bytes/conn)"
rm -f "$out"
