"""Build an ADNet model from a config and load a checkpoint strictly (no silent partial loads).

mmengine loads checkpoints with ``strict=False``: a checkpoint of another layout (e.g. a
WFLW-98 checkpoint with a 300W-68 config) only logs a warning and leaves random weights.
Every inference entry point of this package goes through :func:`check_checkpoint` instead.
"""
from typing import List, Optional, Union

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from adnet_mmpose.utils.boundary import Boundary, load_boundaries
from adnet_mmpose.utils.checkpoint import load_checkpoint_file
from .offline_weights import local_weights


def is_adnet_config(cfg: Config) -> bool:
    """True when the config's model has an ``ADNetHead``."""
    head = cfg.get('model', {}).get('head') or {}
    return head.get('type') in ('ADNetHead', 'mmpose.ADNetHead')


def head_boundaries(cfg: Config) -> List[Boundary]:
    """Boundary groups of the config's ``ADNetHead`` (its ``metainfo`` or ``boundaries``)."""
    head = cfg.model.head
    return load_boundaries(head.get('metainfo') or head.get('boundaries'), head.num_keypoints)


def check_checkpoint(model: torch.nn.Module, checkpoint: dict, source: str = 'checkpoint',
                     config: str = 'the config') -> None:
    """Raise ``ValueError`` unless ``checkpoint`` holds every tensor of ``model`` with its shape.

    Args:
        model: the model built from ``config``.
        checkpoint: a loaded checkpoint (``{'state_dict': ...}`` or a bare state dict).
        source, config: names used in the message.
    """
    state = checkpoint.get('state_dict', checkpoint)
    state = {k[7:] if k.startswith('module.') else k: v for k, v in state.items()}
    want = model.state_dict()
    missing = [k for k in want if k not in state]
    unexpected = [k for k in state if k not in want]
    shapes = [f'{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(v.shape)}'
              for k, v in want.items() if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if missing or unexpected or shapes:
        def head(items):
            return ', '.join(items[:3]) + (f' (+{len(items) - 3} more)' if len(items) > 3 else '')
        parts = [f'{len(missing)} missing ({head(missing)})' if missing else '',
                 f'{len(unexpected)} unexpected ({head(unexpected)})' if unexpected else '',
                 f'{len(shapes)} of another shape ({head(shapes)})' if shapes else '']
        raise ValueError(f'{source} does not match {config}: '
                         + '; '.join(p for p in parts if p)
                         + '. Pass the config the checkpoint was trained with.')


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
    """``TopdownPoseEstimator`` from an ADNet config with a checkpoint checked by
    :func:`check_checkpoint`; ``model.cfg`` and ``model.dataset_meta`` are set.

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
    ckpt = load_checkpoint_file(path, map_location='cpu', trust_checkpoint=trust_checkpoint)
    model = MODELS.build(cfg.model)
    check_checkpoint(model, ckpt, source=f'checkpoint {path}', config=cfg_name)
    _load_checkpoint_to_model(model, ckpt, strict=True)
    model.cfg = cfg
    model.dataset_meta = dataset_meta_of(cfg, ckpt)
    return model.to(device).eval()
