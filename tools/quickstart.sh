#!/usr/bin/env bash
# The README's main job (`make demo`): train the small ADNet on the bundled real faces on CPU,
# evaluate it on the held-out AFW split (NME / FR / AUC, CED plot) and draw its predictions.
#   bash tools/quickstart.sh PYTHON FIXTURES_DIR WORK_DIR
set -euo pipefail
PY=${1:-.venv/bin/python}
FIXTURES=${2:-../shared/fixtures}
WORK_DIR=${3:-work_dirs/quickstart}
CONFIG=configs/adnet/td-adnet_hg2x64_1xb16-10e_afw68-96x96.py
for f in afw68/train.json afw68/val.json helen68_train/train.json; do
  if [ ! -f "$FIXTURES/$f" ]; then
    echo "ERROR: $FIXTURES/$f is missing. The quick-start trains on the fixtures in ../shared/fixtures" \
         "(a 'shared' folder beside this repository); pass another location with FIXTURES=DIR." >&2
    exit 1
  fi
done
export ADNET_FIXTURES=$(cd "$FIXTURES" && pwd)/   # read by the config
T0=$(date +%s)
echo "==> [demo] training $CONFIG on CPU (1,170 faces; log in $WORK_DIR)"
$PY tools/train.py $CONFIG --device cpu --work-dir "$WORK_DIR"
CKPT=$(ls -t "$WORK_DIR"/best_*.pth 2>/dev/null | head -1 || true)
[ -n "$CKPT" ] || CKPT="$WORK_DIR/$(cat "$WORK_DIR/last_checkpoint" | xargs basename)"
echo "==> [demo $(( $(date +%s) - T0 ))s] evaluating $CKPT on afw68/val.json"
$PY tools/test.py $CONFIG "$CKPT" --device cpu --work-dir "$WORK_DIR/test" \
  --show-dir vis --cfg-options test_evaluator.ced_plot="$WORK_DIR/ced.png" \
  test_evaluator.outfile_prefix="$WORK_DIR/predictions"
echo "==> [demo $(( $(date +%s) - T0 ))s] error bias (normal vs tangent errors) of its predictions"
$PY tools/analysis/error_bias.py --pred "$WORK_DIR/predictions.per_image.npz" \
  --gt "${ADNET_FIXTURES}afw68/val.json" --dataset 300w --out-dir "$WORK_DIR/error_bias" \
  --label ADNet-quickstart
echo "==> [demo $(( $(date +%s) - T0 ))s] done"
echo "    checkpoint:          $CKPT"
echo "    CED plot:            $WORK_DIR/ced.png"
echo "    predictions drawn:   $WORK_DIR/test/*/vis/"
echo "    error bias:          $WORK_DIR/error_bias/error_bias.{png,md,json}"
