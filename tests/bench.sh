#!/usr/bin/env bash
# The benchmark suite in one command (README, docs/performance.md). Benchmarks, not tests: each
# prints its figures beside a baseline measured in the same run, as ratios.
#   ./tests/bench.sh            full run (the sizes the targets are stated for; about 30 min)
#   ./tests/bench.sh quick      smoke run (small sizes, short windows; a few minutes)
#   BENCHES="screen_pipeline footprint" ./tests/bench.sh quick    only these
# Writes target/bench/results.json (machine-readable, with the machine it ran on),
# target/bench/results.md (the table) and each benchmark's log beside them; a full run also puts
# the table into docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-full}"
case "$mode" in quick | full) ;; *) echo "usage: $0 [quick|full]" >&2; exit 2 ;; esac
export BENCH_MODE="$mode"

# Same packages as the tests, plus iproute2 (network namespaces for the emulated WAN).
source tests/setup.sh
install_missing iproute2

out=target/bench
mkdir -p "$out"
rm -f "$out"/*.log

# name → cargo arguments
declare -A benches=(
  [screen_pipeline]="-p media --bench screen_pipeline"
  [footprint]="-p agent --bench footprint"
  [agent_window]="-p agent --bench window"
  [browser_screen]="-p e2e --bench browser_screen"
  [wan_link]="-p wan --bench link"
  [file_transfer]="-p e2e --bench file_transfer"
  [file_transfer_wan]="-p e2e --bench file_transfer -- --link wan"
  [signaling_scale]="-p loadgen --bench signaling_scale"
)
order=(screen_pipeline footprint agent_window browser_screen signaling_scale wan_link file_transfer file_transfer_wan)
selected=(${BENCHES:-${order[@]}})

echo "== building (release)"
cargo build --release -p signaling -p agent
logs=()
for name in "${selected[@]}"; do
  args="${benches[$name]:-}"
  if [ -z "$args" ]; then
    echo "unknown benchmark: $name (known: ${order[*]})" >&2
    exit 2
  fi
  echo "== $name ($mode)"
  # A failing benchmark is reported and the others still run.
  # shellcheck disable=SC2086
  cargo bench $args </dev/null 2>&1 | tee "$out/$name.log" || true
  logs+=("$out/$name.log")
done

echo "== results ($out/results.json, $out/results.md)"
docs=()
[ "$mode" = full ] && [ -z "${BENCHES:-}" ] && docs=(--docs docs/performance.md)
python3 tests/bench/collect.py "$out" "$mode" "${docs[@]}" "${logs[@]}"
