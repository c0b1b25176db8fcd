#!/usr/bin/env bash
# The recipe study of the released model (docs/released_model.md), resumable: each run trains
# with ADNET_THREADS torch threads (default 1) and one loader worker into
# work_dirs/study/<config name> and continues from its last checkpoint when started again.
#
#   bash tools/analysis/run_study.sh [PYTHON] CONFIG [CONFIG ...] [-- extra tools/train.py args]
#
# e.g. bash tools/analysis/run_study.sh .venv/bin/python configs/adnet/study/*128x128.py
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:-.venv/bin/python}; shift
configs=(); extra=()
while (( $# )); do
  if [[ $1 == -- ]]; then shift; extra=("$@"); break; fi
  configs+=("$1"); shift
done
split=data/helen68_dev
if [[ ! -f $split/train_holdout.json ]]; then
  $PY tools/dataset_converters/holdout_split.py ${ADNET_FIXTURES:-../shared/fixtures/}helen68_train/train.json \
    --by photo --fraction 0.1 --seed 0 --out-dir $split
fi
for cfg in "${configs[@]}"; do
  name=$(basename "$cfg" .py)
  echo "==> $(date +%H:%M:%S) $name"
  OMP_NUM_THREADS=${ADNET_THREADS:-1} MKL_NUM_THREADS=${ADNET_THREADS:-1} $PY tools/train.py "$cfg" --work-dir "work_dirs/study/$name" \
    --resume --device cpu --cfg-options train_dataloader.num_workers=1 val_dataloader.num_workers=1 \
    "${extra[@]}"
done
