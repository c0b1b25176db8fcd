"""Where the released 68-point model lives: its config and checkpoint.

The checkpoint (``adnet_mmpose/checkpoints/``) is package data, so an installed wheel has it;
the config is found through :func:`~adnet_mmpose.utils.package_files.config_file` (the wheel's
``.mim`` copy of ``configs/`` or the source checkout's).
"""
from adnet_mmpose.utils.package_files import CONFIG_ROOTS, PACKAGE

RELEASED_NAME = 'adnet_hg2x64_afw-helen68_128x128'
RELEASED_CHECKPOINT = str(PACKAGE / 'checkpoints' / f'{RELEASED_NAME}.pth')
_CONFIG = 'adnet/td-adnet_hg2x64_1xb16-30e_afw-helen68-128x128.py'
RELEASED_CONFIG = next((str(root / _CONFIG) for root in CONFIG_ROOTS
                        if (root / _CONFIG).is_file()), str(CONFIG_ROOTS[-1] / _CONFIG))
