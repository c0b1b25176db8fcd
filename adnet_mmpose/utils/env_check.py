"""Check that the installed OpenMMLab stack is the one adnet_mmpose is pinned to.

``python -m adnet_mmpose.utils.env_check`` prints the versions and exits non-zero with a fix
for each problem; ``import adnet_mmpose`` runs the cheap part (:func:`check_environment`).
"""
import sys
from importlib.metadata import PackageNotFoundError, version

PINNED = {'torch': '2.13.0', 'mmengine': '0.10.7', 'mmcv': '2.1.0', 'mmpose': '1.3.2'}
FIX = "re-create the environment with 'make install' (or see the README, 'Installing into an existing OpenMMLab environment')"


def _version(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def problems(strict_torch: bool = False):
    """List of human-readable problems with the environment (empty when all is well)."""
    out = []
    for name, want in PINNED.items():
        have = _version(name)
        if have is None:
            out.append(f'{name} is not installed (need {want}); {FIX}')
        elif name == 'torch':
            if strict_torch and have != want:
                out.append(f'torch {have} is installed but the project is pinned to {want}; {FIX}')
        elif have != want:
            out.append(f'{name} {have} is installed but adnet_mmpose needs {want}; {FIX}')
    if _version('mmcv') is not None:
        try:
            import mmcv._ext  # noqa: F401
        except ImportError as e:
            out.append('mmcv is installed without its compiled ops (mmcv-lite or an isolated '
                       f'build: {e}); mmpose imports mmcv.ops. Build it with '
                       "'MMCV_WITH_OPS=1 pip install --no-build-isolation mmcv==2.1.0' "
                       f'or {FIX}')
    return out


def check_environment():
    """Raise ImportError with every problem found, instead of a traceback deep in mmpose."""
    found = problems()
    if found:
        raise ImportError('adnet_mmpose: broken environment:\n  - ' + '\n  - '.join(found))


def main():
    for name in ['torch', 'torchvision', 'numpy', 'opencv-python', 'mmengine', 'mmcv', 'mmpose',
                 'mmdet', 'xtcocotools', 'mmdeploy', 'onnxruntime']:
        print(f'    {name:14s} {_version(name) or "-"}')
    found = problems(strict_torch=True)
    if not found:
        try:
            import torchvision  # noqa: F401
            import mmpose.apis  # noqa: F401
            import adnet_mmpose  # noqa: F401
        except Exception as e:  # noqa: BLE001 - report any import failure as a problem
            found.append(f'importing mmpose.apis / adnet_mmpose failed: {e!r}; {FIX}')
    for p in found:
        print('ERROR:', p, file=sys.stderr)
    if found:
        sys.exit(1)
    print('    environment OK')


if __name__ == '__main__':
    main()
