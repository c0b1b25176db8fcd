"""Where the released 68-point model lives: its config and checkpoint, inside the package.

The checkpoint (``adnet_mmpose/checkpoints/``) is package data, so an installed wheel has it;
the config is found beside the package in a source checkout, or in the package's ``.mim``
copy of ``configs/`` when installed.
"""
from pathlib import Path

_PKG = Path(__file__).resolve().parents[1]
RELEASED_NAME = 'adnet_hg2x64_afw-helen68_128x128'
RELEASED_CHECKPOINT = str(_PKG / 'checkpoints' / f'{RELEASED_NAME}.pth')
_CONFIG = 'adnet/td-adnet_hg2x64_1xb16-30e_afw-helen68-128x128.py'


def _config_path() -> str:
    for root in (_PKG / '.mim' / 'configs', _PKG.parent / 'configs'):
        if (root / _CONFIG).is_file():
            return str(root / _CONFIG)
    return str(_PKG.parent / 'configs' / _CONFIG)


RELEASED_CONFIG = _config_path()
