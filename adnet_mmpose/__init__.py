"""ADNet (Huang et al., ICCV 2021) as an MMPose plugin.

Importing this package registers every component in mmpose's registries, so a config needs
only ``custom_imports = dict(imports=['adnet_mmpose'], allow_failed_imports=False)``.
"""
from .utils.env_check import check_environment

check_environment()

from . import codecs, datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
