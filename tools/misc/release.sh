#!/usr/bin/env bash
# Make a training checkpoint FaceLandmarker's default model and produce what the release pages
# show: publish the weights (EMA, metainfo), re-export the shipped ONNX file, score it on the AFW
# validation faces (annotated boxes, then the detector end to end), redraw the training curve and
# the README picture. The printed scores then go into configs/adnet/metafile.yml and the
# model-zoo pages (tests/test_apis/test_released_model.py holds the metafile to them).
#
#   bash tools/misc/release.sh [PYTHON] CHECKPOINT WORK_DIR
#
# e.g. bash tools/misc/release.sh .venv/bin/python \
#   work_dirs/study/td-adnet_hg2x96_1xb16-400e_afw-helen68dev-128x128/best_300w_NME_epoch_200.pth \
#   work_dirs/study/td-adnet_hg2x96_1xb16-400e_afw-helen68dev-128x128
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:-.venv/bin/python}
ckpt=${2:?the training checkpoint to release}
work=${3:?its work directory (for the training curve)}
val=${ADNET_FIXTURES:-../shared/fixtures/}afw68/val.json
# the released config and checkpoint paths FaceLandmarker and export_released_onnx.py use, and
# the epoch of the checkpoint to release
read -r config released epoch < <($PY -W ignore -c "import sys
from adnet_mmpose.apis.face_landmarker import RELEASED_CHECKPOINT, RELEASED_CONFIG
from adnet_mmpose.utils.checkpoint import load_checkpoint_file
print(RELEASED_CONFIG, RELEASED_CHECKPOINT, load_checkpoint_file(sys.argv[1])['meta']['epoch'])
" "$ckpt")

$PY tools/misc/publish_model.py "$ckpt" "$released" \
    --note "best dev-split checkpoint of the 400-epoch run, epoch $epoch"
$PY tools/deploy/export_released_onnx.py
echo "==> AFW val, annotated boxes (tools/test.py)"
$PY tools/test.py "$config" "$released" --work-dir "$work/release_test" 2>&1 | grep 'Epoch(test)'
echo "==> AFW val, detector end to end (tools/analysis/eval_end_to_end.py)"
$PY tools/analysis/eval_end_to_end.py --ann "$val" --config "$config" --checkpoint "$released" \
    --json "$work/release_end_to_end.json"
$PY tools/analysis/plot_training_curve.py "$work"/2*/vis_data/scalars.json \
    --out docs/released_training_curve.png \
    --title "released model: 2x96 ADNet at 128x128, best dev-split epoch $epoch"
$PY demo/readme_figure.py
echo "released epoch $epoch: now update configs/adnet/metafile.yml, configs/adnet/README.md," \
     "docs/model_zoo.md, docs/released_model.md and the README's first screen"
