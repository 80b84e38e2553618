#!/usr/bin/env bash
# Client benchmark: the instruments' run-client (each client against the C echo server wsecho,
# repetitions interleaved) with ws's client (with bufferutil, the baseline), undici's WebSocket
# and wskit's WHATWG WebSocket, the last two through clients/client.js (binaryType
# 'arraybuffer', onmessage/send). Arguments go to run-client, e.g.
#   bench/run-client.sh --reps 3 --duration 3 --scenarios i,ii
source "$(dirname "$0")/common.sh"
client="node $instruments/clients/client.js"
exec "$instruments/run-client" "$@" \
  ws="$client --lib ws" \
  undici="$client --lib undici" \
  wskit="$client --lib module:$root/build/src/index.js"
