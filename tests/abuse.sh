#!/usr/bin/env bash
# The abuse suite at full size (issue "signaling that holds under attack"): each
# `signaling/tests/abuse_*.rs` replays one finding of the outside probe against a real
# signaling process on loopback (5,000 silent connections, 300 simultaneous logins, chat and
# signal floods, a 320 MiB record read, 900 MiB recordings …), asserts its target and prints
# one `abuse:` line of figures. The test command runs the same files at a size that fits in
# CI; this is the full size, one test at a time so the figures are not skewed.
#   ./tests/abuse.sh                         everything (about 10 min)
#   ./tests/abuse.sh -E 'binary(abuse_chat_flood)'   extra arguments go to cargo nextest
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/setup.sh
install_missing

filter="binary(/^abuse_/)"
if [ "$#" -gt 0 ] && [ "$1" = "-E" ]; then filter="$2"; shift 2; fi
cargo build -p signaling --quiet
log=target/abuse.log
mkdir -p target
ABUSE_FULL=1 cargo nextest run -p signaling -E "$filter" --no-capture --test-threads 1 --no-fail-fast "$@" 2>&1 | tee "$log" >/dev/null || status=$?
echo "== figures (whole log: $log)"
grep -h '^abuse:' "$log" || true
grep -E '^\s+(PASS|FAIL|TIMEOUT)|Summary' "$log" || true
exit "${status:-0}"
