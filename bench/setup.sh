#!/usr/bin/env bash
# Prepares the benchmark instruments: copies the C load generator, echo server and drivers from
# ../shared/bench (read-only) into bench/.instruments, builds them, and installs the peers they
# compare against (ws with bufferutil, undici) there. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# The instruments live in a shared/bench folder next to the checkout or one of its parents.
src="${BENCH_INSTRUMENTS_SRC:-}"
if [ -z "$src" ]; then
  dir="$here/.."
  while [ "$(cd "$dir" && pwd)" != / ]; do
    dir="$dir/.."
    if [ -d "$dir/shared/bench" ]; then
      src="$(cd "$dir/shared/bench" && pwd)"
      break
    fi
  done
fi
dst="$here/.instruments"
if [ -z "$src" ] || [ ! -d "$src" ]; then
  echo "bench/setup.sh: no shared/bench found above $here (set BENCH_INSTRUMENTS_SRC)" >&2
  exit 1
fi
mkdir -p "$dst"
cp -r "$src"/. "$dst"/
chmod -R u+w "$dst"
# Local additions to the instruments (bench/instruments/*.patch): wsload --json-text.
for p in "$here"/instruments/*.patch; do
  patch -s -p1 -d "$dst" <"$p"
done
make -s -C "$dst" >/dev/null
if [ ! -d "$dst/node_modules/ws" ]; then
  (cd "$dst" && npm install --no-audit --no-fund --silent >/dev/null)
fi
echo "instruments ready in $dst"
