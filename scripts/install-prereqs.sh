#!/usr/bin/env bash
# Installs what Mimetic needs on this machine, and says first what that changes.
#
#   scripts/install-prereqs.sh [--cluster-tools]
#
#   * TorchSharp-cpu 0.107 ships libtorch 2.10, whose native library needs libstdc++ with the symbol version
#     GLIBCXX_3.4.32 (GCC 13 or newer). Debian 12 ships 3.4.30. On Debian 12, as root, this script can install
#     Debian 13 (trixie)'s libstdc++6. That is not a small change: trixie's libstdc++6 needs GLIBC_2.38, so libc6
#     (2.36 → 2.41) and whatever apt must move with it (libc-bin, locales, …) come from trixie too. The trixie apt
#     source is pinned at priority 100, so later upgrades take from trixie only the updates of the packages that
#     came from it.
#   * Fashion-MNIST (the second dataset of the studies and its tests) comes from Debian's dataset-fashion-mnist.
#   * --cluster-tools (or MIMETIC_CLUSTER_TOOLS=1) also installs Debian's slurm-wlm, munge and parallel, which the
#     cluster tests need (docs/cluster.md). The tests start their own daemons (own key, sockets and ports); where
#     systemd runs, Debian's packages may also start their munge service (slurmctld/slurmd wait for /etc/slurm).
#
# Before changing anything it lists what would change: the apt sources it would add and every package apt would
# install or upgrade, old → new version (from a simulation, apt-get -s, against a copy of apt's lists in a temporary
# folder, so the simulation changes nothing either). Of two ways to get trixie's libstdc++6, libstdc++6/trixie (trixie
# only where libstdc++6's dependencies need it) and -t trixie libstdc++6, it takes the one that changes fewer packages
# without removing any.
# Then it
#   * asks (y/N) when standard input is a terminal;
#   * goes on without asking when CI is set (CI machines are throw-away) or MIMETIC_ALLOW_SYSTEM_CHANGES=1;
#   * otherwise refuses, changes nothing, and exits 1 with a message that says how to opt in.
# Afterwards it prints what it did. When everything is present it only checks and exits 0 (safe to run any number
# of times). Anywhere but Debian 12 it prints what is missing and exits non-zero. It also checks for the .NET 10 SDK.
#
# MIMETIC_PREREQS_ROOT (tests only) prefixes every system path the script reads or writes.
set -euo pipefail

say() { printf 'install-prereqs: %s\n' "$*"; }
die() { printf 'install-prereqs: error: %s\n' "$*" >&2; exit 1; }

root=${MIMETIC_PREREQS_ROOT:-}
need_symbol="GLIBCXX_3.4.32"
fashion_mnist_dir=$root/usr/share/datasets/fashion-mnist
trixie_list=$root/etc/apt/sources.list.d/mimetic-trixie.sources
trixie_pin=$root/etc/apt/preferences.d/mimetic-trixie-pin
cluster_packages=(slurm-wlm munge parallel)
cluster_programs=(usr/bin/sbatch usr/sbin/slurmctld usr/sbin/slurmd usr/sbin/munged usr/bin/parallel)

want_cluster=0
[ "${MIMETIC_CLUSTER_TOOLS:-}" = 1 ] && want_cluster=1
for arg in "$@"; do
  case "$arg" in
    --cluster-tools) want_cluster=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown argument '$arg' (the only option is --cluster-tools)" ;;
  esac
done

apt() { DEBIAN_FRONTEND=noninteractive apt-get "$@"; }

find_libstdcxx() {
  local candidate
  for candidate in "$root"/usr/lib/x86_64-linux-gnu/libstdc++.so.6 "$root"/usr/lib/aarch64-linux-gnu/libstdc++.so.6 \
                   "$root"/usr/lib64/libstdc++.so.6 "$root"/usr/lib/libstdc++.so.6; do
    [ -e "$candidate" ] && { printf '%s\n' "$candidate"; return 0; }
  done
  [ -z "$root" ] && ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}'
  return 0
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

cluster_tools_present() {
  local program
  for program in "${cluster_programs[@]}"; do
    [ -x "$root/$program" ] || return 1
  done
}

# The packages an `apt-get -s` simulation (its output on stdin) would install, upgrade or remove, one a line:
# "name old → new", "name (new) version" or "name (removed) old".
changes_of() {
  awk '
    $1 == "Inst" {
      if ($3 ~ /^\[/) { old = $3; gsub(/[][]/, "", old); new = $4; gsub(/[()]/, "", new); print $2 " " old " → " new }
      else { new = $3; gsub(/[()]/, "", new); print $2 " (new) " new }
    }
    $1 == "Remv" { old = $3; gsub(/[][]/, "", old); print $2 " (removed) " old }'
}

write_trixie_source() {
  mkdir -p "$(dirname "$1")"
  cat >"$1" <<'SRC'
# Added by Mimetic's scripts/install-prereqs.sh: for libstdc++6 (GLIBCXX_3.4.32) and what it needs, pinned low.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}

write_trixie_pin() {
  mkdir -p "$(dirname "$1")"
  cat >"$1" <<'PIN'
# Added by Mimetic's scripts/install-prereqs.sh: never prefer trixie unless asked (libstdc++6/trixie or -t trixie).
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
}

# The Contents indices are large and unnecessary here; some mirrors trip on them.
update_options=(-o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false -o Acquire::Languages=none)

# apt options for a look at trixie that changes nothing: the system's sources and pins plus trixie's, and a copy of
# apt's lists, all in $scratch; no package cache is written.
scratch=""
cleanup() { [ -n "$scratch" ] && rm -rf "$scratch"; return 0; }
trap cleanup EXIT
preview_options=()
prepare_preview() {
  scratch=$(mktemp -d)
  mkdir -p "$scratch/sources.list.d" "$scratch/preferences.d" "$scratch/lists/partial"
  cp -a "$root"/etc/apt/sources.list.d/. "$scratch/sources.list.d/" 2>/dev/null || true
  cp -a "$root"/etc/apt/preferences.d/. "$scratch/preferences.d/" 2>/dev/null || true
  cp -a "$root"/var/lib/apt/lists/. "$scratch/lists/" 2>/dev/null || true
  rm -f "$scratch/lists/lock"
  write_trixie_source "$scratch/sources.list.d/mimetic-trixie.sources"
  write_trixie_pin "$scratch/preferences.d/mimetic-trixie-pin"
  preview_options=(-o "Dir::Etc::SourceParts=$scratch/sources.list.d" -o "Dir::Etc::PreferencesParts=$scratch/preferences.d"
                   -o "Dir::State::Lists=$scratch/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
  apt "${preview_options[@]}" "${update_options[@]}" update -qq >"$scratch/update.log" 2>&1 \
    || die "apt-get update with Debian 13 (trixie) added failed (is deb.debian.org reachable?): $(tail -n 1 "$scratch/update.log")"
}

# Simulates one way of installing; prints its changes, or fails if apt would remove something or cannot.
simulate() {
  local output
  output=$(apt -s install --no-install-recommends "$@" 2>&1) || return 1
  if printf '%s\n' "$output" | grep -q '^Remv '; then return 1; fi
  printf '%s\n' "$output" | changes_of
}

# ---- what is missing ---------------------------------------------------------------------------------------------
check_dotnet

os_id=""; os_version=""
if [ -r "$root/etc/os-release" ]; then
  # shellcheck disable=SC1091
  os_id=$(. "$root/etc/os-release"; printf '%s' "${ID:-}")
  os_version=$(. "$root/etc/os-release"; printf '%s' "${VERSION_ID:-}")
fi
is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1

need_libstdcxx=0; need_fashion=0; need_cluster=0
if has_symbol; then
  say "libstdc++ provides $need_symbol: ok"
else
  need_libstdcxx=1
fi
if [ -f "$fashion_mnist_dir/t10k-labels-idx1-ubyte.gz" ]; then
  say "Fashion-MNIST is in $fashion_mnist_dir: ok"
elif [ "$os_id" = debian ] && [ "$is_root" -eq 1 ]; then
  need_fashion=1
else
  say "note: Fashion-MNIST is not in $fashion_mnist_dir; install Debian's dataset-fashion-mnist as root, or let 'mimetic' download it"
fi
if [ "$want_cluster" -eq 1 ]; then
  if cluster_tools_present; then
    say "slurm-wlm, munge and parallel are installed: ok"
  else
    need_cluster=1
  fi
fi

if [ $((need_libstdcxx + need_fashion + need_cluster)) -eq 0 ]; then
  say "nothing to do"
  exit 0
fi

if [ "$need_libstdcxx" -eq 1 ] && ! { [ "$os_id" = debian ] && [ "$os_version" = 12 ]; }; then
  die "libstdc++ lacks $need_symbol, which TorchSharp's libtorch 2.10 needs (GCC 13 or newer). \
On ${os_id:-this system} ${os_version:-}, install a libstdc++6 from GCC 13+ (Debian 13, Ubuntu 24.04 and Fedora 39 have one) \
or run Mimetic in a container based on one of those."
fi
if [ "$need_cluster" -eq 1 ] && [ "$os_id" != debian ]; then
  die "--cluster-tools installs Debian's ${cluster_packages[*]}; on ${os_id:-this system} install Slurm, MUNGE and GNU parallel yourself"
fi
if [ "$is_root" -ne 1 ]; then
  missing=()
  [ "$need_libstdcxx" -eq 1 ] && missing+=("libstdc++ with $need_symbol (Debian 13's libstdc++6)")
  [ "$need_fashion" -eq 1 ] && missing+=("dataset-fashion-mnist")
  [ "$need_cluster" -eq 1 ] && missing+=("${cluster_packages[*]}")
  die "missing: $(IFS=';'; printf '%s' "${missing[*]}"). Run this script as root (sudo $0) to see what it would install and confirm"
fi

# ---- what would change -------------------------------------------------------------------------------------------
plan=()          # one apt-get install per entry: its arguments
changes=""       # the packages, one a line
add_files=()
# Every simulation runs against the preview's lists: fresh from the mirrors (a new machine's may be empty), and
# with trixie's added at its pin, as they will be after the change.
prepare_preview
if [ "$need_libstdcxx" -eq 1 ]; then
  say "libstdc++ lacks $need_symbol (needed by libtorch 2.10): Debian 13 (trixie)'s libstdc++6 has it"
  # Both ways, simulated; the one that changes fewer packages wins (the first on a tie).
  libstdcxx_args=(); found=""; fewest=""
  for way in "libstdc++6/trixie" "-t trixie libstdc++6"; do
    # shellcheck disable=SC2206
    args=($way)
    if this=$(simulate "${preview_options[@]}" "${args[@]}"); then
      n=$(printf '%s\n' "$this" | grep -c . || true)
      if [ -z "$fewest" ] || [ "$n" -lt "$fewest" ]; then
        libstdcxx_args=("${args[@]}"); found=$this; fewest=$n
      fi
    fi
  done
  [ "${#libstdcxx_args[@]}" -gt 0 ] || die "apt cannot install trixie's libstdc++6 here without removing packages; nothing was changed"
  plan+=("${libstdcxx_args[*]}")
  changes+="$found"$'\n'
  [ -f "$trixie_list" ] || add_files+=("$trixie_list (the Debian 13 apt source)")
  [ -f "$trixie_pin" ] || add_files+=("$trixie_pin (its pin: priority 100)")
fi
if [ "$need_fashion" -eq 1 ]; then
  plan+=("dataset-fashion-mnist")
  if found=$(simulate "${preview_options[@]}" dataset-fashion-mnist); then
    changes+="$found"$'\n'
  else
    changes+="dataset-fashion-mnist (new)"$'\n'
  fi
fi
if [ "$need_cluster" -eq 1 ]; then
  plan+=("${cluster_packages[*]}")
  if found=$(simulate "${preview_options[@]}" "${cluster_packages[@]}"); then
    changes+="$found"$'\n'
  else
    changes+="${cluster_packages[*]} (new; apt's simulation failed, see apt-get -s install ${cluster_packages[*]})"$'\n'
  fi
fi

say "this would change the system:"
for file in "${add_files[@]}"; do
  printf '  add %s\n' "$file"
done
printf '%s' "$changes" | awk 'NF && !seen[$0]++ { print "  " $0 }'
count=$(printf '%s' "$changes" | awk 'NF && !seen[$0]++' | wc -l)
say "packages to install or upgrade: $count"
if printf '%s' "$changes" | grep -q '^libc6 '; then
  say "(trixie's libstdc++6 needs GLIBC_2.38: libc6, and what must match its version, come from trixie too)"
fi

# ---- consent -----------------------------------------------------------------------------------------------------
if [ -n "${CI:-}" ]; then
  say "CI is set: going ahead without asking"
elif [ "${MIMETIC_ALLOW_SYSTEM_CHANGES:-}" = 1 ]; then
  say "MIMETIC_ALLOW_SYSTEM_CHANGES=1: going ahead without asking"
elif [ -t 0 ]; then
  printf 'install-prereqs: go ahead? [y/N] '
  read -r answer || answer=""
  case "$answer" in
    y|Y|yes|YES|Yes) ;;
    *) say "nothing was changed"; exit 1 ;;
  esac
else
  die "not changing the system without consent (standard input is not a terminal). Run it in a terminal to be asked, \
or set MIMETIC_ALLOW_SYSTEM_CHANGES=1 to allow the changes above; nothing was changed"
fi

# ---- changes -----------------------------------------------------------------------------------------------------
if [ "$need_libstdcxx" -eq 1 ]; then
  [ -f "$trixie_list" ] || write_trixie_source "$trixie_list"
  [ -f "$trixie_pin" ] || write_trixie_pin "$trixie_pin"
  for file in "${add_files[@]}"; do
    say "added ${file%% *}"
  done
  apt "${update_options[@]}" update -qq
fi
for entry in "${plan[@]}"; do
  # shellcheck disable=SC2206
  args=($entry)
  if [ "${args[0]}" = dataset-fashion-mnist ] || [ "${args[0]}" = slurm-wlm ]; then
    apt install -y -qq --no-install-recommends "${args[@]}" >/dev/null 2>&1 \
      || { apt update -qq -o Acquire::Languages=none && apt install -y -qq --no-install-recommends "${args[@]}" >/dev/null; } \
      || die "could not install ${args[*]} with apt-get"
  else
    apt install -y -qq --no-install-recommends "${args[@]}" >/dev/null
  fi
  say "installed: apt-get install ${args[*]}"
done
say "changed:"
printf '%s' "$changes" | awk 'NF && !seen[$0]++ { print "  " $0 }'
if [ "$need_libstdcxx" -eq 1 ]; then
  has_symbol || die "installed trixie's libstdc++6 but $need_symbol is still missing; check 'apt-cache policy libstdc++6'"
  say "libstdc++ now provides $need_symbol"
fi
if [ "$need_cluster" -eq 1 ]; then
  cluster_tools_present || die "installed ${cluster_packages[*]} but their programs are not all there (${cluster_programs[*]})"
  say "slurm-wlm, munge and parallel installed (the cluster tests start their own daemons)"
fi
exit 0
