"""Build an ADNet model from a config and load a checkpoint strictly (no silent partial loads).

mmengine loads checkpoints with ``strict=False``: a checkpoint of another layout (e.g. a
WFLW-98 checkpoint with a 300W-68 config) only logs a warning and leaves random weights.
Every inference entry point of this package goes through
:func:`~adnet_mmpose.utils.checkpoint.check_checkpoint` instead.
"""
from typing import Optional, Union

import torch
from mmengine.config import Config

from adnet_mmpose.utils.checkpoint import load_checkpoint_strict
from adnet_mmpose.utils.offline_weights import local_weights


def is_adnet_config(cfg: Config) -> bool:
    """True when the config's model has an ``ADNetHead``."""
    head = cfg.get('model', {}).get('head') or {}
    return head.get('type') in ('ADNetHead', 'mmpose.ADNetHead')


def dataset_meta_of(cfg: Config, checkpoint: Optional[dict]) -> dict:
    """Dataset metainfo: the checkpoint's ``meta.dataset_meta``, else the config's test set
    (ADNet configs may train on a ``ConcatDataset``, which carries no metainfo)."""
    from mmpose.apis.inference import dataset_meta_from_config
    meta = (checkpoint or {}).get('meta', {}).get('dataset_meta')
    if meta is None:
        meta = dataset_meta_from_config(cfg, dataset_mode='test')
    return meta


def init_adnet(config: Union[str, Config], checkpoint: str, device: str = 'cpu',
               flip_test: Optional[bool] = None,
               trust_checkpoint: bool = False) -> torch.nn.Module:
    """``TopdownPoseEstimator`` from an ADNet config with a checkpoint loaded by
    :func:`~adnet_mmpose.utils.checkpoint.load_checkpoint_strict`; ``model.cfg`` and ``model.dataset_meta`` are set.

    Args:
        config: config path or object.
        checkpoint: local checkpoint file (a URL only if already in torch's hub cache).
        device: 'cpu' or 'cuda[:N]'.
        flip_test: overrides ``model.test_cfg.flip_test`` when given.
        trust_checkpoint: load a checkpoint that needs full unpickling (only for files you
            trust; see :mod:`adnet_mmpose.utils.checkpoint`).
    """
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    cfg_name = config if isinstance(config, str) else 'the config'
    cfg = Config.fromfile(config) if isinstance(config, str) else config.copy()
    if flip_test is not None:
        cfg.model.setdefault('test_cfg', {})['flip_test'] = flip_test
    path = local_weights(checkpoint, 'checkpoint')
    model = MODELS.build(cfg.model)
    ckpt = load_checkpoint_strict(model, path, trust_checkpoint, config=cfg_name)
    model.cfg = cfg
    model.dataset_meta = dataset_meta_of(cfg, ckpt)
    return model.to(device).eval()
