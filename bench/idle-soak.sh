#!/usr/bin/env bash
# Idle soak: wskit's echo server holds N idle connections (wsload --idle) for SECS seconds; its
# RSS is read every STEP seconds. Prints the samples and the growth from the first sample after
# the connections opened to the last: an idle connection must not cost more as time passes.
# With --gc the server (bench/servers/echo-server-gc.ts) runs a full collection before every
# sample and reports its V8 heap in use as well: live memory, apart from garbage and allocator
# drift.
#   bench/idle-soak.sh [--conns 10000] [--secs 600] [--step 10] [--gc]
source "$(dirname "$0")/common.sh"
conns=10000 secs=600 step=10 gc=0
while [ $# -gt 0 ]; do
  case "$1" in
    --conns) conns="$2"; shift 2 ;;
    --secs) secs="$2"; shift 2 ;;
    --step) step="$2"; shift 2 ;;
    --gc) gc=1; shift ;;
    *) echo "usage: bench/idle-soak.sh [--conns N] [--secs S] [--step S] [--gc]" >&2; exit 2 ;;
  esac
done
port=$((20000 + $$ % 10000))
heaplog=$(mktemp)
if [ "$gc" = 1 ]; then
  PORT=$port node --expose-gc "$root/build/bench/servers/echo-server-gc.js" >"$heaplog" &
else
  PORT=$port node "$root/build/bench/servers/echo-server.js" >/dev/null &
fi
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
# With --gc: collect, then the heap in use (KiB) from the server's report.
heap() {
  local n
  n=$(grep -c '^heap' "$heaplog" || true)
  kill -USR2 "$server"
  until [ "$(grep -c '^heap' "$heaplog" || true)" -gt "$n" ]; do sleep 0.1; done
  awk '/^heap/ { h = $2 } END { print int(h / 1024) }' "$heaplog"
}
[ "$gc" = 1 ] && heap >/dev/null
before=$(rss)
out=$(mktemp)
"$instruments/wsload" -p "$port" -c "$conns" --idle -d "$((secs + 30))" >"$out" 2>&1 &
load=$!
until grep -q '^ready' "$out"; do
  kill -0 "$load" 2>/dev/null || { cat "$out" >&2; exit 1; }
  sleep 0.2
done
echo "idle soak: $conns connections for ${secs}s, RSS before them ${before} KiB"
if [ "$gc" = 1 ]; then
  echo "| seconds | RSS KiB | bytes/conn | V8 heap in use KiB |"
  echo "| ------: | ------: | ---------: | -----------------: |"
else
  echo "| seconds | RSS KiB | bytes/conn |"
  echo "| ------: | ------: | ---------: |"
fi
first="" firstheap=""
for ((t = 0; t <= secs; t += step)); do
  [ "$t" -gt 0 ] && sleep "$step"
  if [ "$gc" = 1 ]; then
    h=$(heap)
    [ -z "$firstheap" ] && firstheap=$h
  fi
  now=$(rss)
  [ -z "$first" ] && first=$now
  if [ "$gc" = 1 ]; then
    echo "| $t | $now | $(((now - before) * 1024 / conns)) | $h |"
  else
    echo "| $t | $now | $(((now - before) * 1024 / conns)) |"
  fi
done
echo "growth from the first sample to the last: $((now - first)) KiB ($(((now - first) * 1024 / conns)) bytes/conn)"
if [ "$gc" = 1 ]; then
  echo "V8 heap in use, first sample to last: $((h - firstheap)) KiB ($(((h - firstheap) * 1024 / conns)) bytes/conn)"
fi
rm -f "$out" "$heaplog"
