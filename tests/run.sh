#!/usr/bin/env bash
# The project's one test command (README, `.ci/run`): installs what the tests need when it is
# missing, then runs formatting, lint and every test of the workspace.
#   ./tests/run.sh           everything
#   ./tests/run.sh -E 'test(whole_session)'   extra arguments go to cargo nextest
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests need, installed from Debian's archive when missing. Issues that
# add browser, X server, TURN or media tests add their packages here (chromium, xvfb, coturn,
# libvpx-dev, ffmpeg …); nothing may be assumed installed.
# chromium and coturn: the console's end-to-end tests (tests/e2e), which run Chromium headless
# through playwright-core (installed by those tests with `npm ci` from tests/e2e/package-lock.json).
packages=(pkg-config libvpx-dev xvfb xdotool x11-utils ffmpeg libopus-dev libasound2-dev chromium coturn)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm may come from another source than Debian (which would conflict): ask for the
# commands, not the packages.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "cargo-nextest missing: installing it from crates.io"
  cargo install --locked cargo-nextest </dev/null
fi

echo "== format"
cargo fmt --all -- --check
echo "== lint"
cargo clippy --workspace --all-targets --quiet -- -D warnings
if [ ! -f tests/e2e/node_modules/playwright-core/package.json ]; then
  echo "== browser test driver (npm ci in tests/e2e)"
  (cd tests/e2e && npm ci --no-audit --no-fund) </dev/null
fi
echo "== tests"
cargo nextest run --workspace --no-fail-fast "$@"
