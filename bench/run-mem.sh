#!/usr/bin/env bash
# Memory per idle connection: the instruments' run-mem (RSS delta over N idle connections, median
# of the repetitions) for the raw Node TCP echo, a bare node:http upgrade (the floor under any
# server with ws's API: bench/servers/http-upgrade.ts), ws and wskit's echo server. Arguments go
# to run-mem, e.g.
#   bench/run-mem.sh --conns 10000 --reps 3
# Needs `ulimit -n` above the number of connections plus a few, for wsload and the servers.
source "$(dirname "$0")/common.sh"
exec "$instruments/run-mem" "$@" \
  raw:raw-tcp="node $instruments/servers/raw-echo.js" \
  http-upgrade="node $root/build/bench/servers/http-upgrade.js" \
  ws="node $instruments/servers/ws-echo.js" \
  wskit="node $root/build/bench/servers/echo-server.js"
