#!/usr/bin/env bash
# Interleaved A/B of NativeAllocator (glibc thresholds) on training speed: the same bench with the tuning on
# and off (MIMETIC_TUNE_MALLOC=0), alternating so that drifts of a shared machine hit both sides alike.
# "thresholds" is the tuning before M_MMAP_MAX = 0 (the same three thresholds given as glibc's own variables);
# "trim1g" the tuning before trimming was turned off (M_MMAP_MAX = 0 with a 1 GiB trim threshold).
# Usage (repository root, after `make build`): [STEPS=20] bench/allocator-ab.sh [REPS] [PRESET] [VOCAB]
#   VOCAB: a GPT's vocabulary (65 characters; 10002 Brown words; 50257 GPT-2 BPE), where the logits outgrow the
#   mmap threshold (and, at 50257, a step frees more than 1 GiB).
set -euo pipefail
reps=${1:-3}
model=${2:-vit-cpu}
vocab=()
[ -n "${3:-}" ] && vocab=(--vocab "$3")
cli=src/Mimetic.Cli/bin/Release/net10.0/Mimetic.Cli
[ -x "$cli" ] || { echo "allocator-ab: build first (make build)" >&2; exit 1; }
printf '%-10s %-5s %14s %14s %8s\n' tuning rep "train rate" "page faults" "sys s"
for rep in $(seq "$reps"); do
  for setting in on trim1g thresholds off; do
    env=(MIMETIC_TUNE_MALLOC=1)
    [ "$setting" = off ] && env=(MIMETIC_TUNE_MALLOC=0)
    [ "$setting" = trim1g ] && env=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=268435456 MALLOC_MMAP_MAX_=0)
    [ "$setting" = thresholds ] && env=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=268435456)
    out=$(env "${env[@]}" /usr/bin/time -f 'TIME %R %S' "$cli" bench --model "$model" "${vocab[@]}" --no-init --steps "${STEPS:-20}" --warmup 3 2>&1)
    rate=$(grep -E 'train (images|tokens)/s \(Mimetic\)' <<<"$out" | tr -s ' │' ' ' | awk '{print $NF}')
    read -r faults sys < <(grep '^TIME' <<<"$out" | awk '{print $2, $3}')
    printf '%-10s %-5s %14s %14s %8s\n' "$setting" "$rep" "$rate" "$faults" "$sys"
  done
done
