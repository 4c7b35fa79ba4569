#!/usr/bin/env bash
# Stages the study runs for commit, so a later checkout skips the completed ones and continues the others exactly:
#   * a completed run: its small files (config, status, metrics); a checkpoint committed earlier is removed;
#   * a stopped run (status Stopped: SIGTERM or Ctrl-C saved a checkpoint): the same files plus checkpoint/
#     (model, optimizer, position: ~8 MB for vit-cpu), force-added past .gitignore, so `mimetic study` resumes it;
#   * anything else (running, failed, diverged): nothing, and what was committed of it is unstaged.
# Weights and TensorBoard events are never committed (.gitignore). Stop running studies with SIGTERM first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-experiments/runs}
completed=0
stopped=0
while IFS= read -r status; do
  run=$(dirname "$status")
  small=("$run/config.json" "$run/status.json" "$run/metrics.jsonl" "$run/metrics.csv")
  if grep -q '"State": "Completed"' "$status"; then
    git add -- "${small[@]}"
    if git ls-files --error-unmatch "$run/checkpoint" >/dev/null 2>&1; then
      git rm -q --cached -r -- "$run/checkpoint"   # the run is complete: its checkpoint leaves the repository
    fi
    completed=$((completed + 1))
  elif grep -q '"State": "Stopped"' "$status" && [ -f "$run/checkpoint/position.json" ]; then
    for file in "${small[@]}"; do [ -f "$file" ] && git add -- "$file"; done
    git add -f -- "$run/checkpoint"
    stopped=$((stopped + 1))
  elif git ls-files --error-unmatch "$status" >/dev/null 2>&1; then
    git rm -q --cached -r -- "$run"   # a run that is neither complete nor resumable must not be committed half-way
  fi
done < <(find "$root" -name status.json 2>/dev/null | sort)
echo "staged $completed completed and $stopped stopped (resumable) runs under $root"
