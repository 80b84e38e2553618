# Shared by run-server.sh, run-client.sh and run-mem.sh: prepares the instruments, builds wskit
# (tsc to build/), and sets paths. Sourced, not run.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
instruments="$bench/.instruments"
bash "$bench/setup.sh" >&2
(cd "$root" && node node_modules/typescript/bin/tsc -p tsconfig.json)
export BENCH_NODE_MODULES="$instruments/node_modules"
