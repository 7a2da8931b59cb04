#!/usr/bin/env bash
# Checks that an agent binary runs on any current Linux desktop (scripts/agent-release.sh):
#   - no glibc symbol version newer than 2.31 (objdump -T);
#   - links only libraries every desktop has (ldd): no libvpx, no libopus, nothing unexpected;
#   - `agent --help` runs.
#   ./scripts/check-agent-portable.sh target/agent-release/agent
#   ./scripts/check-agent-portable.sh target/agent-release/agent --bullseye DIR
# --bullseye DIR also runs it in a minimal Debian 11 (glibc 2.31) root at DIR, made there with
# debootstrap from Debian's archive when it is missing (about 250 MB).
set -euo pipefail

MAX_GLIBC=2.31
# What a desktop has: the C library and its parts, the compiler's unwinder, X11/xcb, GL/EGL, ALSA.
ALLOWED='^(linux-vdso\.so|libc\.so|libm\.so|libgcc_s\.so|libpthread\.so|libdl\.so|librt\.so|ld-linux-x86-64\.so|libX11\.so|libxcb[a-z0-9-]*\.so|libGL\.so|libEGL\.so|libasound\.so)'

bin="${1:?usage: $0 AGENT_BINARY [--bullseye DIR]}"
root=""
if [ "${2:-}" = "--bullseye" ]; then
  root="${3:?--bullseye needs a directory}"
fi
[ -x "$bin" ] || { echo "FAIL: $bin is not an executable file"; exit 1; }
failed=0

# Newest GLIBC_x.y version the binary asks for.
newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
if [ -z "$newest" ]; then
  echo "FAIL: objdump -T shows no GLIBC symbol versions (not a dynamically linked glibc binary?)"
  failed=1
elif [ "$(printf '%s\n%s\n' "$newest" "$MAX_GLIBC" | sort -V | tail -1)" != "$MAX_GLIBC" ]; then
  echo "FAIL: needs GLIBC_$newest, newer than $MAX_GLIBC:"
  objdump -T "$bin" | grep -E "GLIBC_[0-9.]+" | awk -v max="$MAX_GLIBC" '{
    v = $0; sub(/.*GLIBC_/, "", v); sub(/[ )].*/, "", v);
    split(v, a, "."); split(max, m, ".");
    if (a[1] > m[1] || (a[1] == m[1] && a[2] + 0 > m[2] + 0)) print "  " $0 }'
  failed=1
else
  echo "ok: newest glibc symbol version GLIBC_$newest (at most $MAX_GLIBC)"
fi

# Libraries, as ldd resolves them here (the direct ones and theirs).
echo "ldd $bin:"
libs=$(ldd "$bin" | sed 's/^[[:space:]]*//')
bad_libs=0
echo "$libs" | sed 's/^/  /'
while read -r line; do
  name=${line%% *}
  name=${name##*/}
  if [[ "$line" == *"not found"* ]]; then
    echo "FAIL: $name is not found"
    bad_libs=1
  elif [[ "$name" == libvpx* || "$name" == libopus* ]]; then
    echo "FAIL: links $name dynamically (it must be linked in statically)"
    bad_libs=1
  elif ! [[ "$name" =~ $ALLOWED ]]; then
    echo "FAIL: links $name, which is not on every desktop"
    bad_libs=1
  fi
done <<<"$libs"
if [ $bad_libs -eq 0 ]; then
  echo "ok: only libraries every desktop has"
else
  failed=1
fi

if "$bin" --help | grep -q "Usage: "; then
  echo "ok: $bin --help runs"
else
  echo "FAIL: $bin --help did not print its usage"
  failed=1
fi

if [ -n "$root" ]; then
  if [ ! -x "$root/usr/bin/ldd" ]; then
    command -v debootstrap >/dev/null 2>&1 ||
      env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap </dev/null
    echo "making a minimal Debian 11 (bullseye) root in $root"
    debootstrap --variant=minbase --include=libasound2 bullseye "$root" http://deb.debian.org/debian >"$root.log" 2>&1 ||
      { echo "FAIL: debootstrap (log: $root.log)"; exit 1; }
  fi
  cp "$bin" "$root/agent"
  echo "Debian 11: $(chroot "$root" ldd --version | head -1)"
  if chroot "$root" /agent --help | grep -q "Usage: " && chroot "$root" /agent --version; then
    echo "ok: agent --help runs on Debian 11"
  else
    echo "FAIL: agent does not start on Debian 11"
    failed=1
  fi
fi

if [ $failed -ne 0 ]; then
  echo "FAIL: $bin is not portable"
  exit 1
fi
echo "ok: $bin is portable"
