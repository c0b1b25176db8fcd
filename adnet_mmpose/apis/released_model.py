"""Where the released 68-point model lives: its config and checkpoint.

The checkpoint (``adnet_mmpose/checkpoints/``) is package data, so an installed wheel has it;
the config is found through :func:`~adnet_mmpose.utils.package_files.config_file` (the wheel's
``.mim`` copy of ``configs/`` or the source checkout's).
"""
from adnet_mmpose.utils.package_files import PACKAGE, config_file

RELEASED_NAME = 'adnet_hg2x64_afw-helen68_128x128'
RELEASED_CHECKPOINT = str(PACKAGE / 'checkpoints' / f'{RELEASED_NAME}.pth')
RELEASED_CONFIG = config_file('adnet/td-adnet_hg2x64_1xb16-30e_afw-helen68-128x128.py')
