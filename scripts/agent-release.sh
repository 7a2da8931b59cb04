#!/usr/bin/env bash
# Builds the downloadable agent: one file that runs on any x86_64 Linux desktop with glibc 2.31 or
# newer (Ubuntu 20.04, Debian 11, Fedora 32 and later). Installs what it needs when it is missing.
#   ./scripts/agent-release.sh        → target/agent-release/agent  (under $CARGO_TARGET_DIR if set)
# ./tests/run.sh runs it (about 5 minutes cold); docs/agent.md, "Release build", has its figures.
#
# How: `cargo zigbuild` links against zig's glibc 2.31 stubs, so no symbol newer than 2.31 is
# referenced. libvpx and libopus are linked statically from Debian's own archives (libvpx-dev,
# libopus-dev: their objects use only symbols older than 2.31, which the check below proves on
# the result). ALSA (libasound.so.2) stays dynamic: every desktop has it. The profile `dist`
# (top-level Cargo.toml) strips the binary and uses thin LTO.
# Then scripts/check-agent-portable.sh checks the result.
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC=2.31
ZIGLANG=0.17.1        # PyPI's ziglang: the zig that cargo-zigbuild drives
ZIGBUILD=0.24.1       # crates.io's cargo-zigbuild
TRIPLE=x86_64-unknown-linux-gnu

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

# Debian: the static codec archives, ALSA's headers, pkg-config, objdump (binutils).
missing=()
for p in pkg-config libvpx-dev libopus-dev libasound2-dev binutils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi

# zig from PyPI (cargo-zigbuild finds it as `python3 -m ziglang`).
if [ "$(python3 -m ziglang version 2>/dev/null)" != "$ZIGLANG" ]; then
  echo "installing ziglang $ZIGLANG from PyPI"
  python3 -m pip install --quiet "ziglang==$ZIGLANG" </dev/null ||
    python3 -m pip install --quiet --break-system-packages "ziglang==$ZIGLANG" </dev/null
fi
if ! cargo-zigbuild --version 2>/dev/null | grep -qF "$ZIGBUILD"; then
  echo "installing cargo-zigbuild $ZIGBUILD from crates.io"
  cargo install --locked --version "$ZIGBUILD" cargo-zigbuild </dev/null
fi

target_dir="${CARGO_TARGET_DIR:-target}"
out="$target_dir/agent-release"
libs="$out/static-libs"
mkdir -p "$libs/lib"

# Only the .a files in a folder of their own, so nothing can pick the shared libvpx/libopus.
# (Asked of dpkg, not pkg-config: Debian's vpx.pc names /usr/lib, not the multiarch folder.)
for pkg in libvpx-dev libopus-dev; do
  archive=$(dpkg-query -L "$pkg" | grep -E '/lib(vpx|opus)\.a$')
  cp "$archive" "$libs/lib/"
done
libs_abs="$(cd "$libs" && pwd)"

# env-libvpx-sys: VPX_LIB_DIR + VPX_STATIC link libvpx.a; VPX_VERSION picks its bindings.
# audiopus_sys: LIBOPUS_LIB_DIR/lib + LIBOPUS_STATIC link libopus.a (LIBOPUS_NO_PKG: not pkg-config,
# which would name the shared one).
# --allow-shlib-undefined: the build machine's libasound.so was linked against its own, newer
# glibc; the linker must not demand those symbols from the 2.31 stubs. On the customer's machine
# their libasound resolves against their glibc. The agent's own references are checked below.
vpx_version=$(pkg-config --modversion vpx)
export VPX_LIB_DIR="$libs_abs/lib" VPX_STATIC=1 VPX_VERSION="$vpx_version"
export LIBOPUS_LIB_DIR="$libs_abs" LIBOPUS_STATIC=1 LIBOPUS_NO_PKG=1
export RUSTFLAGS="-C link-arg=-Wl,--allow-shlib-undefined"

started=$(date +%s)
cargo zigbuild --locked -p agent --bin agent --profile dist --target "$TRIPLE.$GLIBC" </dev/null
cp "$target_dir/$TRIPLE/dist/agent" "$out/agent"
echo "built in $(($(date +%s) - started)) s"

bytes=$(stat -c %s "$out/agent")
echo "portable agent: $out/agent ($bytes bytes, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB)"
./scripts/check-agent-portable.sh "$out/agent"
