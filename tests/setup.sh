# Sourced by tests/run.sh and tests/bench.sh: installs what the tests and benchmarks need when it
# is missing. Nothing may be assumed installed.
#   install_missing [extra Debian packages…]

# chromium and coturn: the console's end-to-end tests (tests/e2e), which run Chromium headless
# through playwright-core (installed by those tests with `npm ci` from tests/e2e/package-lock.json).
# The agent's window (tests/e2e scenarios/window.mjs) draws on the CPU (no OpenGL). It needs a session bus
# and the AT-SPI bus with python3-pyatspi to find controls as a screen reader does, and
# imagemagick + tesseract to read the always-on-top bar from a screenshot. python3-aiosmtpd: the
# SMTP server on loopback that receives invitation e-mails (tests/support/src/smtp.rs).
# firefox-esr: the console's scenarios in a second engine (the_console_works_in_firefox.rs).
# nftables, procps (sysctl): the firewall of the customer whose network drops UDP (the_agent_reaches_support_over_tls_on_443.rs).
# python3-venv: the OpenAPI validator from PyPI (signaling/tests/the_api_is_described_by_openapi.rs).
packages=(python3-venv pkg-config libvpx-dev xvfb xdotool x11-utils ffmpeg libopus-dev libasound2-dev chromium firefox-esr coturn iproute2 nftables procps
  dbus-daemon libglib2.0-bin at-spi2-core python3-pyatspi gir1.2-atspi-2.0
  imagemagick tesseract-ocr tesseract-ocr-eng python3-aiosmtpd)

install_missing() {
  local missing=() p
  for p in "${packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node and npm may come from another source than Debian (which would conflict): ask for the
  # commands, not the packages.
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    local sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
  fi
  if ! cargo nextest --version >/dev/null 2>&1; then
    echo "cargo-nextest missing: installing it from crates.io"
    cargo install --locked cargo-nextest </dev/null
  fi
  if [ ! -f tests/e2e/node_modules/playwright-core/package.json ]; then
    echo "== browser test driver (npm ci in tests/e2e)"
    (cd tests/e2e && npm ci --no-audit --no-fund) </dev/null
  fi
}
