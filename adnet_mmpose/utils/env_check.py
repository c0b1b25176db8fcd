"""Check the installed OpenMMLab stack against the versions adnet_mmpose supports.

``import adnet_mmpose`` runs :func:`check_environment` (unless :func:`training_stack_absent`:
a runtime-only install without torch, mmengine and mmpose): a missing package or one known to be
broken for us (mmcv without its compiled ops, torch older than the checkpoint-safety and ONNX
APIs we use) raises ``ImportError`` with the fix; a version outside :data:`SUPPORTED` only
warns (it may work; it is not tested). ``python -m adnet_mmpose.utils.env_check`` prints the
versions and exits non-zero on errors.
"""
import importlib.util
import os.path as osp
import re
import sys
import warnings
from typing import List, Optional, Tuple

#: Supported ranges ``[minimum, maximum)`` (None: open), declared in setup.py too.
SUPPORTED = {'mmengine': ('0.10.0', '0.11.0'), 'mmcv': ('2.0.0', '2.3.0'),
             'mmpose': ('1.3.0', '1.4.0'), 'torch': ('2.6.0', None)}
#: Versions the test suite runs with: the pinned set (requirements/constraints.txt) and the
#: second environment of tests/test_utils/test_second_environment.py.
TESTED = {'mmengine': ('0.10.6', '0.10.7'), 'mmcv': ('2.1.0', ), 'mmpose': ('1.3.1', '1.3.2'),
          'torch': ('2.13.0', )}
#: torch.load's weights-only allow-list by name (add_safe_globals with (global, name) pairs)
#: and torch.onnx.export(dynamo=False) need torch >= 2.6.
MINIMUM_TORCH = SUPPORTED['torch'][0]
README = "docs/installation.md, section 'Into an existing OpenMMLab environment'"
MMCV_FIX = ("install the full mmcv with its compiled ops, built against your torch: "
            "MMCV_WITH_OPS=1 pip install --no-build-isolation 'mmcv>=2.0,<2.3' (or 'make install' "
            f'for the pinned set; see {README})')


def _version(name: str) -> Optional[str]:
    """``__version__`` from ``<name>/version.py`` of the package Python would import (which is
    what counts, also when several copies are on ``sys.path``), None when it is absent."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = osp.join(list(spec.submodule_search_locations)[0], 'version.py')
    try:
        with open(path) as f:
            found = re.search(r"__version__\s*=\s*['\"]([^'\"]+)['\"]", f.read())
    except OSError:
        return None
    return found.group(1) if found else None


def _key(version: str) -> Tuple[int, ...]:
    """(major, minor, patch) of ``'2.13.0+cu130'``, ``'2.0.0rc4'``..."""
    return tuple(int(x) for x in re.findall(r'\d+', version.split('+')[0])[:3])


def _in_range(version: str, low: str, high: Optional[str]) -> bool:
    return _key(low) <= _key(version) and (high is None or _key(version) < _key(high))


def _range(name: str) -> str:
    low, high = SUPPORTED[name]
    return f'>={low}' + (f',<{high}' if high else '')


def problems() -> Tuple[List[str], List[str]]:
    """``(errors, warnings)``: human-readable, each with its fix (empty when all is well)."""
    errors, warns = [], []
    for name in SUPPORTED:
        have = _version(name)
        if have is None:
            errors.append(f"{name} is not installed; install {name}{_range(name)} "
                          f'(see {README})')
        elif name == 'torch' and _key(have) < _key(MINIMUM_TORCH):
            errors.append(f'torch {have} is too old: adnet_mmpose needs torch>={MINIMUM_TORCH} '
                          '(weights-only checkpoint loading with allow-lists, '
                          'torch.onnx.export(dynamo=False)); upgrade torch, then rebuild mmcv')
        elif not _in_range(have, *SUPPORTED[name]):
            warns.append(f'{name} {have} is outside the supported range {name}{_range(name)} '
                         f"(tested: {', '.join(TESTED[name])}); it may work, but if something "
                         f'fails install {name}{_range(name)}')
    if _version('mmcv') is not None and _version('torch') is not None:
        try:
            import torch  # noqa: F401  (mmcv's ops link against torch's libraries)
            import mmcv._ext  # noqa: F401
        except ImportError as e:
            errors.append('mmcv is installed without its compiled ops (mmcv-lite, or a build '
                          f'without ops or for another torch: {e}); mmpose imports mmcv.ops. '
                          f'Fix: {MMCV_FIX}')
    return errors, warns


#: The training stack: with none of these installed, ``import adnet_mmpose`` registers nothing
#: (a runtime-only install); with some of them, :func:`check_environment` names what is missing.
TRAINING_STACK = ('torch', 'mmengine', 'mmpose')


def training_stack_absent() -> bool:
    """True when none of :data:`TRAINING_STACK` is installed."""
    return all(importlib.util.find_spec(name) is None for name in TRAINING_STACK)


def check_environment() -> None:
    """Raise ``ImportError`` listing every error (before mmpose fails deep inside), warn once
    per version outside the supported ranges."""
    errors, warns = problems()
    if errors:
        raise ImportError('adnet_mmpose: broken environment:\n  - ' + '\n  - '.join(errors))
    for w in warns:
        warnings.warn(f'adnet_mmpose: {w}', stacklevel=3)


def main() -> None:
    from importlib.metadata import PackageNotFoundError, version
    for name in ['torch', 'torchvision', 'numpy', 'opencv-python', 'mmengine', 'mmcv', 'mmpose',
                 'mmdet', 'xtcocotools', 'mmdeploy', 'onnxruntime']:
        try:
            have = _version(name) if name in SUPPORTED else version(name)
        except PackageNotFoundError:
            have = None
        rng = f'  (supported {name}{_range(name)})' if name in SUPPORTED else ''
        print(f'    {name:14s} {have or "-"}{rng}')
    errors, warns = problems()
    if not errors:
        try:
            import torchvision  # noqa: F401
            import mmpose.apis  # noqa: F401

            import adnet_mmpose  # noqa: F401
        except Exception as e:  # noqa: BLE001 - report any import failure as a problem
            errors.append(f'importing mmpose.apis / adnet_mmpose failed: {e!r}; see {README}')
    for p in warns:
        print('WARNING:', p, file=sys.stderr)
    for p in errors:
        print('ERROR:', p, file=sys.stderr)
    if errors:
        sys.exit(1)
    print('    environment OK')


if __name__ == '__main__':
    main()
