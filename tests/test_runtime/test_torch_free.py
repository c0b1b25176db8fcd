"""The documented torch-free ONNX Runtime path (docs/deployment.md) in a runtime-only install.

A fresh virtual environment gets numpy, opencv-python-headless and onnxruntime from the package
registry (the versions of requirements/constraints.txt; headless OpenCV at the version pinned
for opencv-python) and this package with ``pip install --no-deps`` (so ``setup.py`` must build
without torch). There, ``ONNXLandmarkRunner`` runs the released model, exported in the test, on
a fixture face; the landmarks equal PyTorch's on the same box, and torch, mmengine and mmpose
are never imported (not even installed).
"""
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from adnet_mmpose.apis import FaceLandmarker
from adnet_mmpose.apis.face_landmarker import RELEASED_CHECKPOINT, RELEASED_CONFIG
from adnet_mmpose.deploy.export import export_onnx
from tests.conftest import REPO, subprocess_env
from tests.small_model import afw_faces

pytestmark = [pytest.mark.packaging, pytest.mark.slow, pytest.mark.network]

RUNTIME = ('numpy', 'onnxruntime')     # pinned in requirements/constraints.txt
SOURCES = ('adnet_mmpose', 'configs', 'requirements', 'setup.py', 'README.md', 'MANIFEST.in')
SKIP = shutil.ignore_patterns('__pycache__', '*.onnx', 'build', '*.egg-info')
TRAINING_STACK = ('torch', 'mmengine', 'mmpose', 'mmcv')
SCRIPT = r'''
import json, sys
from adnet_mmpose.runtime.backends.onnxruntime import ONNXLandmarkRunner
out = ONNXLandmarkRunner(sys.argv[1])(sys.argv[2], [json.loads(sys.argv[3])])
import adnet_mmpose
print(json.dumps(dict(keypoints=out['keypoints'].tolist(), package=adnet_mmpose.__file__,
                      loaded=sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[4:])))))
'''


def pins() -> list:
    """``name==version`` of the runtime packages from requirements/constraints.txt, with
    opencv-python-headless at opencv-python's version."""
    text = (REPO / 'requirements' / 'constraints.txt').read_text()
    found = dict(re.findall(r'^([A-Za-z0-9_.-]+)==(\S+)', text, re.M))
    return [f'{n}=={found[n]}' for n in RUNTIME] + [
        f"opencv-python-headless=={found['opencv-python']}"]


def pip(python: str, *args: str) -> None:
    out = subprocess.run([python, '-m', 'pip', '--disable-pip-version-check', '-q', *args],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, f'pip {" ".join(args)} failed:\n{out.stderr[-3000:]}'


@pytest.fixture(scope='module')
def runtime_python(tmp_path_factory) -> str:
    """Python of a fresh venv with only the pinned runtime packages and this package."""
    root = tmp_path_factory.mktemp('torch_free')
    for name in SOURCES:   # a copy: pip builds in the source folder
        src, dst = REPO / name, root / 'src' / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=SKIP)
        elif src.exists():
            shutil.copyfile(src, dst)
    subprocess.run([sys.executable, '-m', 'venv', str(root / 'venv')], check=True,
                   capture_output=True)
    python = str(root / 'venv' / 'bin' / 'python')
    pip(python, 'install', *pins())
    pip(python, 'install', '--no-deps', str(root / 'src'))
    return python


def test_onnxruntime_path_without_torch_equals_pytorch(runtime_python, tmp_path):
    img, box = afw_faces(1)[0]
    onnx = export_onnx(RELEASED_CONFIG, RELEASED_CHECKPOINT, str(tmp_path / 'released.onnx'),
                       route='torch')
    # PyTorch on the same box; no flip test, as the exported graph
    reference = FaceLandmarker(detector=None, flip_test=False)(img, bboxes=box[None])
    out = subprocess.run([runtime_python, '-c', SCRIPT, onnx, img, json.dumps(box.tolist()),
                          *TRAINING_STACK], cwd=tmp_path,
                         env=subprocess_env(drop=('PYTHONPATH', )), capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert str(REPO) not in result['package']      # the installed copy, not the checkout
    assert result['loaded'] == []                  # no torch, mmengine, mmpose or mmcv
    keypoints = np.asarray(result['keypoints'])
    assert keypoints.shape == (1, 68, 2)
    # ONNX Runtime vs PyTorch kernels on the same crop: within 1e-3 px, the bound of the
    # export tests (tests/test_deploy/test_export_onnx.py)
    np.testing.assert_allclose(keypoints[0], reference[0]['keypoints'], atol=1e-3)


def test_runtime_venv_has_no_training_stack(runtime_python, tmp_path):
    """The environment above really lacks the training stack (so the test proves something),
    and ``import adnet_mmpose`` there registers nothing and raises nothing."""
    code = ('import importlib.util, sys; import adnet_mmpose; '
            'print([n for n in sys.argv[1:] if importlib.util.find_spec(n)])')
    out = subprocess.run([runtime_python, '-c', code, *TRAINING_STACK], cwd=tmp_path,
                         capture_output=True, text=True,
                         env=subprocess_env(drop=('PYTHONPATH', )), timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == '[]'
