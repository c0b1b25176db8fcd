"""A broken OpenMMLab install is reported at import time with the fix, not deep in mmpose."""
import subprocess
import sys

from adnet_mmpose.utils import env_check
from tests.conftest import REPO


def test_reports_wrong_versions(monkeypatch):
    versions = {'torch': '2.14.1', 'mmengine': '0.10.7', 'mmcv': '2.2.0', 'mmpose': '1.3.2'}
    monkeypatch.setattr(env_check, '_version', versions.get)
    found = env_check.problems(strict_torch=True)
    assert any('torch 2.14.1 is installed but the project is pinned to 2.13.0' in p for p in found)
    assert any('mmcv 2.2.0 is installed but adnet_mmpose needs 2.1.0' in p for p in found)
    assert all("make install" in p for p in found)
    assert not [p for p in env_check.problems(strict_torch=False) if p.startswith('torch')]


def test_reports_missing_package(monkeypatch):
    monkeypatch.setattr(env_check, '_version', lambda name: None if name == 'mmpose' else
                        env_check.PINNED[name])
    assert env_check.problems()[0].startswith('mmpose is not installed (need 1.3.2)')


def test_mmcv_without_ops_fails_import_with_a_clear_message():
    code = "import sys; sys.modules['mmcv._ext'] = None; import adnet_mmpose"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode != 0
    assert 'adnet_mmpose: broken environment' in out.stderr
    assert 'mmcv is installed without its compiled ops' in out.stderr
    assert 'site-packages/mmpose' not in out.stderr  # stopped before mmpose was imported
