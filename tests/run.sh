#!/usr/bin/env bash
# The project's one test command (README, `.ci/run`): installs what the tests need when it is
# missing, then runs formatting, lint and every test of the workspace.
#   ./tests/run.sh           everything
#   ./tests/run.sh -E 'test(whole_session)'   extra arguments go to cargo nextest
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages (Xvfb, Chromium, coturn, libvpx-dev, ffmpeg…), Node and cargo-nextest,
# installed from Debian's archive and crates.io when missing: tests/setup.sh.
source tests/setup.sh
install_missing

echo "== format"
cargo fmt --all -- --check
echo "== lint"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== tests"
cargo nextest run --workspace --no-fail-fast "$@"
