#!/usr/bin/env bash
# Installs what Mimetic needs to run on this machine, idempotently.
#
#   * TorchSharp-cpu 0.107 ships libtorch 2.10, whose native library needs libstdc++ with the symbol
#     version GLIBCXX_3.4.32 (GCC 13 or newer). Debian 12 ships 3.4.30.
#   * On Debian 12, as root, this script adds the Debian 13 (trixie) apt source with a low pin
#     (priority 100, so nothing else is upgraded from it) and installs trixie's libstdc++6.
#   * Anywhere else it prints what is missing and how to get it, and exits non-zero.
#   * It also checks for the .NET 10 SDK.
#   * Fashion-MNIST (the second dataset of the studies and its tests) comes from Debian's dataset-fashion-mnist:
#     installed here on Debian as root; elsewhere a note says how to get it (the loader can also download it).
#
# Safe to run any number of times: when everything is present it only checks and exits 0.
set -euo pipefail

say() { printf 'install-prereqs: %s\n' "$*"; }
die() { printf 'install-prereqs: error: %s\n' "$*" >&2; exit 1; }

need_symbol="GLIBCXX_3.4.32"

find_libstdcxx() {
  local candidate
  for candidate in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 \
                   /usr/lib64/libstdc++.so.6 /usr/lib/libstdc++.so.6; do
    [ -e "$candidate" ] && { printf '%s\n' "$candidate"; return 0; }
  done
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}'
}

has_symbol() {
  local lib
  lib=$(find_libstdcxx)
  [ -n "$lib" ] || return 1
  # grep -a reads the binary as text; no binutils needed.
  grep -aq "$need_symbol" "$lib"
}

check_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    die "the .NET SDK is not on PATH; install the .NET 10 SDK (https://dot.net) and run again"
  fi
  local major
  major=$(dotnet --version 2>/dev/null | cut -d. -f1)
  if [ -z "$major" ] || [ "$major" -lt 10 ]; then
    die "the .NET SDK is $(dotnet --version 2>/dev/null || echo unknown); Mimetic needs .NET 10 or newer"
  fi
}

install_trixie_libstdcxx() {
  say "libstdc++ lacks $need_symbol (needed by libtorch 2.10); installing it from Debian 13 (trixie) with a low pin"
  local list=/etc/apt/sources.list.d/mimetic-trixie.sources
  local pin=/etc/apt/preferences.d/mimetic-trixie-pin
  if [ ! -f "$list" ]; then
    cat >"$list" <<'SRC'
# Added by Mimetic's scripts/install-prereqs.sh: only for libstdc++6 (GLIBCXX_3.4.32), pinned low.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  if [ ! -f "$pin" ]; then
    cat >"$pin" <<'PIN'
# Added by Mimetic's scripts/install-prereqs.sh: never prefer trixie unless asked with -t trixie.
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  fi
  # The Contents indices are large and unnecessary here; some mirrors trip on them.
  DEBIAN_FRONTEND=noninteractive apt-get update -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false \
    -o Acquire::Languages=none -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t trixie libstdc++6 >/dev/null
}

fashion_mnist_dir=/usr/share/datasets/fashion-mnist

install_fashion_mnist() {
  [ -f "$fashion_mnist_dir/t10k-labels-idx1-ubyte.gz" ] && return 0
  if [ "$os_id" != "debian" ] || [ "$(id -u)" -ne 0 ]; then
    say "note: Fashion-MNIST is not in $fashion_mnist_dir; install Debian's dataset-fashion-mnist as root, or let 'mimetic' download it"
    return 0
  fi
  say "installing Debian's dataset-fashion-mnist (Fashion-MNIST, for the studies and their tests)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
    || { DEBIAN_FRONTEND=noninteractive apt-get update -qq -o Acquire::Languages=none \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; } \
    || die "could not install dataset-fashion-mnist with apt-get"
}

check_dotnet

os_id=""; os_version=""
if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  os_id=${ID:-}; os_version=${VERSION_ID:-}
fi

install_fashion_mnist

if has_symbol; then
  say "libstdc++ provides $need_symbol: nothing to do"
  exit 0
fi

if [ "$os_id" = "debian" ] && [ "$os_version" = "12" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    die "libstdc++ lacks $need_symbol. Run this script as root (sudo $0) to install Debian 13's libstdc++6 with a low apt pin"
  fi
  install_trixie_libstdcxx
  has_symbol || die "installed trixie's libstdc++6 but $need_symbol is still missing; check 'apt-cache policy libstdc++6'"
  say "libstdc++ now provides $need_symbol"
  exit 0
fi

die "libstdc++ lacks $need_symbol, which TorchSharp's libtorch 2.10 needs (GCC 13 or newer). \
On ${os_id:-this system} ${os_version:-}, install a libstdc++6 from GCC 13+ (Debian 13, Ubuntu 24.04 and Fedora 39 have one) \
or run Mimetic in a container based on one of those."
