#!/usr/bin/env bash
# Reproduces every shipped model: venv, synthetic data, training, ONNX export, kiln convert,
# kiln-vs-onnxruntime check, config.json, samples, metrics and model cards.
#
#   training/train_all.sh                 # all four models
#   training/train_all.sh fraud reco      # some of them (defect, triage, fraud, reco)
#
# Environment: PYTHON (default python3.11), VENV (default training/.venv),
# KILN_BIN (default .build/release/kiln, else .build/debug/kiln), QUICK=1 for a smoke run.
# Everything runs under `nice -n 19`; all seeds are fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3.11}
VENV=${VENV:-$ROOT/training/.venv}
if [[ -z "${KILN_BIN:-}" ]]; then
  if [[ -x .build/release/kiln ]]; then KILN_BIN=$ROOT/.build/release/kiln; else KILN_BIN=$ROOT/.build/debug/kiln; fi
fi
[[ -x "$KILN_BIN" ]] || { echo "kiln binary not found ($KILN_BIN): swift build first or set KILN_BIN" >&2; exit 1; }
export KILN_BIN
if [[ ! -x "$VENV/bin/python" ]]; then
  nice -n 19 "$PYTHON" -m venv "$VENV"
  nice -n 19 "$VENV/bin/pip" install -q -r training/requirements.txt
fi
export PYTHONHASHSEED=0
models=("$@"); [[ ${#models[@]} -gt 0 ]] || models=(fraud reco defect triage)
for m in "${models[@]}"; do
  [[ $m == --cards-only ]] && continue
  echo "=== $m"
  nice -n 19 "$VENV/bin/python" "training/train_$m.py"
done
nice -n 19 "$VENV/bin/python" training/model_cards.py
nice -n 19 "$VENV/bin/python" training/check_models.py
du -sh models/*/ | sed 's/^/size /'
