#!/usr/bin/env bash
# The project's one test command (README, `.ci/run`): installs what the tests need when it is
# missing, then runs formatting, lint, the portable release agent's build and check
# (scripts/agent-release.sh) and every test of the workspace.
#   ./tests/run.sh           everything
#   ./tests/run.sh -E 'test(whole_session)'   extra arguments go to cargo nextest (and skip the
#                                             portable agent's build)
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
# The full run only (a filtered run skips it): about 5 minutes cold, docs/agent.md "Release build".
if [ $# -eq 0 ]; then
  echo "== portable release agent (glibc 2.31, libvpx and libopus inside)"
  ./scripts/agent-release.sh
fi
echo "== tests"
cargo nextest run --workspace --no-fail-fast "$@"
