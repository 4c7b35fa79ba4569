#!/usr/bin/env bash
# Interleaved A/B of NativeAllocator (glibc thresholds) on training speed: the same bench with the tuning on
# and off (MIMETIC_TUNE_MALLOC=0), alternating so that drifts of a shared machine hit both sides alike.
# Usage (repository root, after `make build`): bench/allocator-ab.sh [REPS] [PRESET]
set -euo pipefail
reps=${1:-3}
model=${2:-vit-cpu}
cli=src/Mimetic.Cli/bin/Release/net10.0/Mimetic.Cli
[ -x "$cli" ] || { echo "allocator-ab: build first (make build)" >&2; exit 1; }
printf '%-8s %-5s %14s %14s %8s\n' tuning rep "train rate" "page faults" "sys s"
for rep in $(seq "$reps"); do
  for setting in on off; do
    switch=1; [ "$setting" = off ] && switch=0
    out=$(MIMETIC_TUNE_MALLOC=$switch /usr/bin/time -f 'TIME %R %S' "$cli" bench --model "$model" --no-init --steps 20 --warmup 3 2>&1)
    rate=$(grep -E 'train (images|tokens)/s \(Mimetic\)' <<<"$out" | tr -s ' │' ' ' | awk '{print $NF}')
    read -r faults sys < <(grep '^TIME' <<<"$out" | awk '{print $2, $3}')
    printf '%-8s %-5s %14s %14s %8s\n' "$setting" "$rep" "$rate" "$faults" "$sys"
  done
done
