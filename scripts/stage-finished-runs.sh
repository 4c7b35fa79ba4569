#!/usr/bin/env bash
# Stages the small files of every completed study run (config, status, metrics) for commit, and nothing of runs
# still going or stopped: a later checkout then skips the completed runs and trains the others from the start.
# Weights, checkpoints and TensorBoard events are never committed (.gitignore).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-experiments/runs}
staged=0
while IFS= read -r status; do
  run=$(dirname "$status")
  if grep -q '"State": "Completed"' "$status"; then
    git add -- "$run/config.json" "$run/status.json" "$run/metrics.jsonl" "$run/metrics.csv"
    staged=$((staged + 1))
  elif git ls-files --error-unmatch "$status" >/dev/null 2>&1; then
    git rm -q --cached -r -- "$run"   # a run that is not complete must not be committed half-way
  fi
done < <(find "$root" -name status.json 2>/dev/null | sort)
echo "staged $staged completed runs under $root"
