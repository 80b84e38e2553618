#!/usr/bin/env bash
# Server benchmark: the instruments' run-echo (wsload against each echo server, repetitions
# interleaved) with the raw Node TCP echo (the baseline), ws (with bufferutil) and wskit's
# echo server (bench/servers/echo-server.ts) in one run. Arguments go to run-echo, e.g.
#   bench/run-server.sh --reps 3 --duration 3 --scenarios i,ii
source "$(dirname "$0")/common.sh"
exec "$instruments/run-echo" "$@" \
  raw:raw-tcp="node $instruments/servers/raw-echo.js" \
  ws="node $instruments/servers/ws-echo.js" \
  wskit="node $root/build/bench/servers/echo-server.js"
