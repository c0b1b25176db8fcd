"""``pip install .`` works: a wheel built from the tree, installed with ``--no-deps`` into a
fresh virtual environment that sees the pinned stack (through a ``.pth`` file), runs the
inferencer, the ONNX exporter (mmdeploy route, the deploy config shipped in the package) and
the error-bias metainfo lookup from a folder outside the source tree."""
import json
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

from tests.conftest import REPO, subprocess_env
from tests.small_model import small_checkpoint

# builds with --no-build-isolation and installs with --no-index: no package registry needed
pytestmark = pytest.mark.packaging

SKIP = shutil.ignore_patterns('.git', '.venv', 'work_dirs', 'data', 'build', '*.egg-info',
                              '__pycache__', '*.pth', '*.onnx', '.device', '.pytest_cache')
SCRIPT = r'''
import json, sys
import numpy as np
import adnet_mmpose
from adnet_mmpose.apis.inferencer import MMPoseInferencer
from adnet_mmpose.deploy.export import export_onnx
from adnet_mmpose.evaluation.functional import dataset_boundaries
from adnet_mmpose.utils.package_files import config_file
config = config_file('adnet/td-adnet_hg2x64_1xb16-10e_afw68-96x96.py')
inferencer = MMPoseInferencer(pose2d=config, pose2d_weights=sys.argv[1], device='cpu',
                              det_model='whole_image')
img = np.random.default_rng(0).integers(0, 256, (120, 100, 3), dtype=np.uint8)
face = next(inferencer(img, bboxes=[[[5, 5, 95, 115]]]))['predictions'][0][0]
onnx = export_onnx(config, sys.argv[1], 'exported/adnet.onnx')
print(json.dumps(dict(package=adnet_mmpose.__file__, config=config, onnx=onnx,
                      keypoints=np.asarray(face['keypoints']).shape,
                      wflw_groups=len(dataset_boundaries('wflw')))))
'''


@pytest.fixture(scope='module')
def venv(tmp_path_factory):
    """A fresh venv with only the wheel installed; the pinned stack is reachable by a .pth."""
    root = tmp_path_factory.mktemp('wheel')
    shutil.copytree(REPO, root / 'src', ignore=SKIP)
    pip = [sys.executable, '-m', 'pip', '--disable-pip-version-check']
    subprocess.run(pip + ['wheel', str(root / 'src'), '--no-deps', '--no-build-isolation',
                          '-q', '-w', str(root / 'dist')], check=True, capture_output=True)
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(root / 'venv')],
                   check=True)
    python = str(root / 'venv' / 'bin' / 'python')
    site = subprocess.run([python, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
                          check=True, capture_output=True, text=True).stdout.strip()
    with open(os.path.join(site, 'pinned_stack.pth'), 'w') as f:
        f.write(sysconfig.get_path('purelib') + '\n')
    wheel = next((root / 'dist').glob('adnet_mmpose-*.whl'))
    subprocess.run(pip + ['--python', python, 'install', '--no-deps', '--no-index', '-q',
                          str(wheel)], check=True, capture_output=True)
    return root, python, site


def test_wheel_runs_inferencer_and_exporter_outside_the_tree(venv):
    root, python, site = venv
    run_dir = root / 'elsewhere'
    run_dir.mkdir()
    env = subprocess_env(drop=('PYTHONPATH',))
    out = subprocess.run([python, '-c', SCRIPT, small_checkpoint()], cwd=run_dir, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result['package'].startswith(site) and str(REPO) not in result['package']
    assert result['config'].startswith(os.path.join(site, 'adnet_mmpose', '.mim', 'configs'))
    assert result['keypoints'] == [68, 2] and result['wflw_groups'] > 0
    assert (run_dir / result['onnx']).stat().st_size > 100_000


def test_wheel_ships_the_configs_code_needs(venv):
    _, _, site = venv
    mim = os.path.join(site, 'adnet_mmpose', '.mim', 'configs')
    for name in ['deploy/pose-detection_adnet_onnxruntime_dynamic.py',
                 '_base_/datasets/300w.py', '_base_/datasets/wflw.py', '_base_/datasets/cofw.py',
                 'adnet/td-adnet_hg2x64_1xb16-10e_afw68-96x96.py']:
        assert os.path.isfile(os.path.join(mim, name)), name
