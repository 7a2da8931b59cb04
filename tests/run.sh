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
packages=(pkg-config libvpx-dev xvfb xdotool x11-utils ffmpeg libopus-dev libasound2-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
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
echo "== tests"
cargo nextest run --workspace --no-fail-fast "$@"
