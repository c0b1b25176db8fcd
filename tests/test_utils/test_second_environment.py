"""The supported version range is real: adnet_mmpose imports and computes the same landmarks
with mmpose 1.3.1 + mmengine 0.10.6 (outside today's pins, pure-Python wheels installed beside
the pinned stack), and refuses mmcv-lite (no compiled ops) with the fix.

The other versions are installed once with ``pip install --no-deps --target`` into
``$XDG_CACHE_HOME/adnet-mmpose/test-envs`` (outside the repository) and put first on
``PYTHONPATH`` of a subprocess; marked ``network``: without a reachable package registry the
tests skip (tests/conftest.py).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.conftest import REPO, subprocess_env
from tests.small_model import SMALL_CONFIG, single_thread, small_checkpoint  # noqa: F401

pytestmark = [pytest.mark.network, pytest.mark.packaging,
              pytest.mark.usefixtures('single_thread')]


def overlay(*requirements) -> Path:
    """A folder with ``requirements`` installed without dependencies (cached)."""
    root = Path(os.environ.get('XDG_CACHE_HOME') or Path.home() / '.cache')
    target = root / 'adnet-mmpose' / 'test-envs' / '_'.join(requirements).replace('==', '-')
    if not target.is_dir():
        tmp = target.with_name(target.name + f'.tmp{os.getpid()}')
        out = subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '--quiet',
                              '--disable-pip-version-check', '--target', str(tmp),
                              *requirements], capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            last = (out.stderr.strip().splitlines() or ['no output'])[-1]
            pytest.skip(f'cannot install {" ".join(requirements)} (package registry '
                        f'unreachable?): {last}')
        tmp.rename(target)
    return target


def run_with(path: Path, code: str, *argv) -> subprocess.CompletedProcess:
    env = subprocess_env(drop=('PYTHONPATH',), PYTHONPATH=f'{path}{os.pathsep}{REPO}')
    return subprocess.run([sys.executable, '-c', code, *map(str, argv)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


FORWARD = r'''
import sys, warnings
import numpy as np, torch
import mmengine, mmpose
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    import adnet_mmpose
ours = [str(w.message) for w in caught if 'adnet_mmpose:' in str(w.message)]
assert not ours, ours   # in the supported range: no version warning
from adnet_mmpose.apis import init_adnet
print('versions', mmpose.__version__, mmengine.__version__, mmpose.__file__)
torch.set_num_threads(1)
model = init_adnet(sys.argv[1], sys.argv[2])
x = torch.from_numpy(np.load(sys.argv[3]))
with torch.no_grad():
    landmarks, scores = model.head.forward_with_scores(model.extract_feat(x))
np.save(sys.argv[4], landmarks.numpy())
'''


def test_mmpose_131_mmengine_0106_forward_pass_equals_pinned(tmp_path):
    env = overlay('mmpose==1.3.1', 'mmengine==0.10.6')
    x = torch.randn(2, 3, 96, 96, generator=torch.Generator().manual_seed(0))
    np.save(tmp_path / 'x.npy', x.numpy())
    out = run_with(env, FORWARD, SMALL_CONFIG, small_checkpoint(), tmp_path / 'x.npy',
                   tmp_path / 'y.npy')
    assert out.returncode == 0, out.stderr[-3000:]
    assert f'versions 1.3.1 0.10.6 {env}' in out.stdout
    from adnet_mmpose.apis import init_adnet
    model = init_adnet(SMALL_CONFIG, small_checkpoint())
    with torch.no_grad():
        ref = model.head.forward_with_scores(model.extract_feat(x))[0].numpy()
    other = np.load(tmp_path / 'y.npy')
    assert other.shape == (2, 68, 2)
    # same torch build, weights, input and thread count: the arithmetic is identical; the
    # bound only allows for a different kernel choice in the other process (float32 rounding)
    np.testing.assert_allclose(other, ref, atol=1e-4)


def test_mmcv_lite_is_refused_with_the_fix():
    env = overlay('mmcv-lite==2.1.0')
    out = run_with(env, 'import mmcv; print(mmcv.__file__); import adnet_mmpose')
    assert out.returncode != 0
    assert str(env) in out.stdout   # the lite package was the one imported
    assert 'adnet_mmpose: broken environment' in out.stderr
    assert 'mmcv is installed without its compiled ops' in out.stderr
    assert 'MMCV_WITH_OPS=1 pip install --no-build-isolation' in out.stderr
    assert 'site-packages/mmpose' not in out.stderr   # stopped before mmpose failed
