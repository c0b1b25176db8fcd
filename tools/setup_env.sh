#!/usr/bin/env bash
# Create or refresh the project's virtual environment (.venv) with the pinned OpenMMLab stack.
# Idempotent: every step checks what is already there and skips it; the compiled mmcv and
# xtcocotools wheels are kept in a per-torch cache outside the repo, so a second run (or CI on
# the same machine, in another clone) never rebuilds them.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
CONSTRAINTS=requirements/constraints.txt
TORCH_VERSION=2.13.0
WHEEL_CACHE=${ADNET_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/adnet-mmpose/wheels/torch-$TORCH_VERSION-py$($PYTHON -c 'import sys;print(f"{sys.version_info[0]}{sys.version_info[1]}")')}
T0=$(date +%s)
step() { CUR="$1"; echo "==> [setup $(( $(date +%s) - T0 ))s] $1"; }
trap 'echo "ERROR: setup step \"${CUR:-start}\" failed. $HINT" >&2' ERR
HINT="Re-run 'make install' after fixing the message above."

step "check python"
$PYTHON - <<'PY' || { HINT="Install Python >= 3.10 (python3 -m venv must work)."; false; }
import sys
if sys.version_info < (3, 10):
    raise SystemExit(f"Python >= 3.10 required, found {sys.version.split()[0]}")
PY

if [ ! -x "$VENV/bin/python" ]; then
  step "create virtual environment $VENV"
  HINT="python3 -m venv failed: install the venv module (apt-get install python3-venv)."
  $PYTHON -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP="$PY -m pip --disable-pip-version-check"
have() { $PY - "$@" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
for spec in sys.argv[1:]:
    name, want = spec.split('==')
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
}

step "build tools (setuptools<81, wheel, ninja, psutil, cython)"
HINT="pip could not install build tools; check the package registry is reachable."
$PIP install -q -c $CONSTRAINTS "setuptools<81" wheel ninja psutil cython

step "torch $TORCH_VERSION + torchvision 0.28.0 (CUDA build from PyPI; it runs on CPU too)"
if have torch==$TORCH_VERSION torchvision==0.28.0; then
  echo "    already installed"
else
  HINT="torch install failed. The '+cpu' local wheel has no matching torchvision; this step needs PyPI (about 1.4 GB, cached by pip after the first time)."
  $PIP install -q -c $CONSTRAINTS "torch==$TORCH_VERSION,!=$TORCH_VERSION+cpu" torchvision==0.28.0
fi

step "mmengine and pure-Python runtime requirements"
HINT="pip failed on the runtime requirements (requirements/runtime.txt)."
$PIP install -q -c $CONSTRAINTS mmengine==0.10.7 -r requirements/runtime.txt

mkdir -p "$WHEEL_CACHE"
step "mmcv 2.1.0 with compiled ops (source build ~17 min on 2 cores the first time; cached in $WHEEL_CACHE)"
if have mmcv==2.1.0 && $PY -c "import mmcv._ext" 2>/dev/null; then
  echo "    already installed with ops"
else
  if ! ls "$WHEEL_CACHE"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    HINT="mmcv build failed: it needs gcc/g++ and Python headers, torch installed first, setuptools<81."
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} $PIP wheel --no-build-isolation --no-deps --no-cache-dir \
      -c $CONSTRAINTS -w "$WHEEL_CACHE" mmcv==2.1.0
  else
    echo "    using cached wheel"
  fi
  $PIP install -q --no-deps --force-reinstall "$WHEEL_CACHE"/mmcv-2.1.0-*.whl
fi

step "xtcocotools 1.14.3 from source (binary wheel is numpy-1 only)"
if have xtcocotools==1.14.3 && $PY -c "import xtcocotools.coco" 2>/dev/null; then
  echo "    already installed"
else
  if ! ls "$WHEEL_CACHE"/xtcocotools-1.14.3-*.whl >/dev/null 2>&1; then
    HINT="xtcocotools build failed: needs cython, numpy and a C compiler."
    $PIP wheel --no-build-isolation --no-deps --no-binary xtcocotools -c $CONSTRAINTS -w "$WHEEL_CACHE" xtcocotools==1.14.3
  fi
  $PIP install -q --no-deps --force-reinstall "$WHEEL_CACHE"/xtcocotools-1.14.3-*.whl
fi

step "mmpose 1.3.2 and mmdet 3.3.0 (--no-deps: mmpose's chumpy requirement is unused and broken on 3.11)"
HINT="pip could not install mmpose/mmdet."
if have mmpose==1.3.2 mmdet==3.3.0; then echo "    already installed"; else
  $PIP install -q --no-deps -c $CONSTRAINTS mmpose==1.3.2 mmdet==3.3.0
fi

step "facenet-pytorch 2.6.0 (weights of the default MTCNN face detector; --no-deps: its metadata pins torch<2.3 and numpy<2, and only its weight files are used)"
HINT="pip could not install facenet-pytorch."
if have facenet-pytorch==2.6.0; then echo "    already installed"; else
  $PIP install -q --no-deps -c $CONSTRAINTS facenet-pytorch==2.6.0
fi

step "deploy + test requirements (mmdeploy, onnxruntime, pytest)"
HINT="pip failed on requirements/deploy.txt or requirements/tests.txt."
$PIP install -q -c $CONSTRAINTS -r requirements/deploy.txt -r requirements/tests.txt

step "adnet_mmpose (editable, no deps)"
HINT="pip could not install this repository in editable mode (setup.py)."
$PIP install -q --no-deps --no-build-isolation -e .

step "verify the environment"
HINT="The environment is inconsistent; 'rm -rf $VENV && make install' rebuilds it (mmcv comes from the cache)."
$PY adnet_mmpose/utils/env_check.py
echo "==> [setup $(( $(date +%s) - T0 ))s] done: $VENV is ready"
