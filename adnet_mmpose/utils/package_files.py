"""Files of this project's ``configs/`` from an installed package or a source checkout.

A wheel (``pip install .``) ships them as package data under ``adnet_mmpose/.mim/configs``
(mmpose's layout, built by ``setup.py``); an editable install or a plain checkout finds
``configs/`` beside the package.
"""
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
CONFIG_ROOTS = (PACKAGE / '.mim' / 'configs', PACKAGE.parent / 'configs')


def config_file(name: str) -> str:
    """Path of ``configs/<name>`` (e.g. ``'deploy/pose-detection_adnet_onnxruntime_dynamic.py'``);
    ``FileNotFoundError`` naming both places when neither has it."""
    for root in CONFIG_ROOTS:
        if (root / name).is_file():
            return str(root / name)
    raise FileNotFoundError(f'configs/{name} is neither in the installed package '
                            f'({CONFIG_ROOTS[0]}) nor in a source checkout ({CONFIG_ROOTS[1]})')
