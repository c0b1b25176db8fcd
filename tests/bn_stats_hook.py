"""Test hook: each process saves its BatchNorm running statistics after every training
iteration and after every epoch (after SyncBuffersHook, which runs at NORMAL priority)."""
import os

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class DumpBNStatsHook(Hook):
    """Writes ``{out_dir}/{iterN|epochN}_rank{R}.pth``: {buffer name: tensor} of every
    ``running_mean`` / ``running_var``."""

    priority = 'LOWEST'

    def __init__(self, out_dir: str):
        self.out_dir = out_dir

    def _dump(self, runner, tag: str) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        stats = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()
                 if k.endswith(('running_mean', 'running_var'))}
        os.makedirs(self.out_dir, exist_ok=True)
        torch.save(stats, os.path.join(self.out_dir, f'{tag}_rank{runner.rank}.pth'))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._dump(runner, f'iter{runner.iter + 1}')

    def after_train_epoch(self, runner) -> None:
        self._dump(runner, f'epoch{runner.epoch + 1}')
