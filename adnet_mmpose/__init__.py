"""ADNet (Huang et al., ICCV 2021) as an MMPose plugin.

Importing this package registers every component in mmpose's registries (backbone, head,
losses, codec, transforms, metric, hooks, visualiser), so a config needs only
``custom_imports = dict(imports=['adnet_mmpose'], allow_failed_imports=False)``.

Where none of torch, mmengine and mmpose is installed (a runtime-only install for
:mod:`adnet_mmpose.runtime`: numpy, OpenCV, onnxruntime) the import registers nothing; a partial
training stack raises ``ImportError`` naming the fix (:mod:`adnet_mmpose.utils.env_check`).
"""
from .utils.env_check import check_environment, training_stack_absent
from .version import __version__

if not training_stack_absent():
    check_environment()
    from . import codecs, datasets, engine, evaluation, models, visualization  # noqa: F401

__all__ = ['__version__']
