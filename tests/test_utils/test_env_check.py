"""Version ranges, not pins: versions outside the supported ranges warn, only a missing or
known-broken package (mmcv without ops, torch too old) stops ``import adnet_mmpose``, with the
fix, before mmpose fails deep inside. (A real second environment: test_second_environment.)"""
import subprocess
import sys

import pytest

from adnet_mmpose.utils import env_check
from tests.conftest import REPO, subprocess_env


def fake(monkeypatch, **versions):
    have = {'torch': '2.13.0+cu130', 'mmengine': '0.10.7', 'mmcv': '2.1.0', 'mmpose': '1.3.2'}
    have.update(versions)
    monkeypatch.setattr(env_check, '_version', have.get)


def test_pinned_and_in_range_versions_pass(monkeypatch):
    assert env_check.problems() == ([], [])   # this environment
    fake(monkeypatch, mmpose='1.3.1', mmengine='0.10.6', mmcv='2.2.0', torch='2.6.0')
    assert env_check.problems() == ([], [])


def test_outside_the_range_warns_with_the_range(monkeypatch):
    fake(monkeypatch, mmpose='1.4.0', mmcv='2.3.1')
    errors, warns = env_check.problems()
    assert errors == []
    assert warns[0].startswith('mmcv 2.3.1 is outside the supported range mmcv>=2.0.0,<2.3.0')
    assert warns[1].startswith('mmpose 1.4.0 is outside the supported range mmpose>=1.3.0,<1.4.0')
    assert 'tested: 1.3.1, 1.3.2' in warns[1]
    with pytest.warns(UserWarning, match='mmpose 1.4.0 is outside'):
        env_check.check_environment()


def test_missing_package_and_old_torch_are_errors(monkeypatch):
    fake(monkeypatch, mmpose=None, torch='2.5.1')
    errors, _ = env_check.problems()
    assert errors[0].startswith('mmpose is not installed; install mmpose>=1.3.0,<1.4.0')
    assert errors[1].startswith('torch 2.5.1 is too old: adnet_mmpose needs torch>=2.6.0')
    with pytest.raises(ImportError, match='broken environment'):
        env_check.check_environment()


def test_runtime_only_install_is_told_from_a_partial_stack(monkeypatch):
    """``import adnet_mmpose`` skips the check and the registration only when none of torch,
    mmengine and mmpose is installed (the ONNX Runtime install of
    tests/test_runtime/test_torch_free.py); torch alone is a partial stack, which the check
    reports as above."""
    installed = {'torch'}
    monkeypatch.setattr(env_check.importlib.util, 'find_spec',
                        lambda name: object() if name in installed else None)
    assert not env_check.training_stack_absent()
    installed.clear()
    assert env_check.training_stack_absent()
    assert env_check.TRAINING_STACK == ('torch', 'mmengine', 'mmpose')


def test_mmcv_without_ops_fails_import_with_a_clear_message():
    code = "import sys; sys.modules['mmcv._ext'] = None; import adnet_mmpose"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=REPO,
                         env=subprocess_env())
    assert out.returncode != 0
    assert 'adnet_mmpose: broken environment' in out.stderr
    assert 'mmcv is installed without its compiled ops' in out.stderr
    assert 'MMCV_WITH_OPS=1' in out.stderr
    assert 'site-packages/mmpose' not in out.stderr  # stopped before mmpose was imported


def test_version_of_the_imported_copy(tmp_path, monkeypatch):
    """Versions are read from the package Python imports (a copy first on sys.path wins)."""
    (tmp_path / 'fake_mmlab').mkdir()
    (tmp_path / 'fake_mmlab' / '__init__.py').write_text('')
    (tmp_path / 'fake_mmlab' / 'version.py').write_text("__version__ = '1.3.0rc1'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert env_check._version('fake_mmlab') == '1.3.0rc1'
    assert env_check._key('2.13.0+cu130') == (2, 13, 0) and env_check._key('2.0.0rc4') == (2, 0, 0)
    assert env_check._version('no_such_package') is None
