"""Checkpoints of the small ADNet config as every entry point meets them: written by
mmengine's default ``CheckpointHook`` (optimizer, schedulers incl. a ``Counter``, message hub,
EMA, numpy metainfo), by ``WeightsOnlyCheckpointHook``, by the official-checkpoint converter,
and a payload checkpoint whose pickle writes a marker file when it is unpickled."""
import functools
import runpy
import sys

import torch
from mmengine.runner import Runner

from adnet_mmpose.utils.checkpoint import load_checkpoint_file
from tests.conftest import REPO
from tests.small_model import _cache, deterministic_train_cfg, small_checkpoint

CONVERTER = str(REPO / 'tools/model_converters/adnet_official_to_mmpose.py')


class Payload:
    """Unpickling this runs ``exec``, which writes ``marker``: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('payload ran')", )


def payload_checkpoint(path, marker) -> str:
    """A checkpoint of the small config (valid weights) that also carries a :class:`Payload`."""
    ckpt = load_checkpoint_file(small_checkpoint())
    ckpt['meta']['note'] = Payload(marker)
    torch.save(ckpt, path)
    return str(path)


def _train(work_dir, weights_only_hook: bool) -> str:
    """One epoch on 2 + 2 fixture faces; returns ``epoch_1.pth``."""
    cfg = deterministic_train_cfg(faces_per_file=2)
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.update(max_epochs=1, val_interval=100)
    cfg.param_scheduler.append(dict(type='MultiStepLR', milestones=[1], by_epoch=True))
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    if not weights_only_hook:
        cfg.custom_hooks = [h for h in cfg.custom_hooks
                            if h['type'] != 'WeightsOnlyCheckpointHook']
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'checkpoint_kinds_{work_dir.name}'
    Runner.from_cfg(cfg).train()
    return str(work_dir / 'epoch_1.pth')


def _converted(path) -> str:
    """The small model's weights in the official layout, through the command-line converter."""
    state = load_checkpoint_file(small_checkpoint())['state_dict']
    back = {'head.aam_weight': 'e2h_transform.weight', 'head.aam_bias': 'e2h_transform.bias'}
    official = {'module.' + back.get(k, k[len('backbone.'):]): v.half() if v.is_floating_point()
                else v for k, v in state.items()}
    torch.save({'net': official, 'epoch': 3}, path.with_suffix('.pkl'))
    argv = sys.argv
    sys.argv = [CONVERTER, str(path.with_suffix('.pkl')), str(path)]
    try:
        runpy.run_path(CONVERTER, run_name='__main__')
    finally:
        sys.argv = argv
    return str(path)


@functools.lru_cache(maxsize=None)
def checkpoint_kinds() -> dict:
    """``{'mmengine': ..., 'weights_only': ..., 'converter': ...}`` checkpoint paths (cached)."""
    root = _cache()
    (root / 'mmengine_hook').mkdir(exist_ok=True)
    (root / 'weights_only_hook').mkdir(exist_ok=True)
    return {'mmengine': _train(root / 'mmengine_hook', weights_only_hook=False),
            'weights_only': _train(root / 'weights_only_hook', weights_only_hook=True),
            'converter': _converted(root / 'converted.pth')}
