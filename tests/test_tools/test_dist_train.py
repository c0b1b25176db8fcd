"""Distributed training through MMEngine's launcher on CPU: 2 processes with gloo.

Compared with one process on the same total batch (4 = 2 × 2), same seed, same samples and a
deterministic pipeline. With BatchNorm in training mode the runs cannot agree (each process
normalises with its own half-batch statistics and SyncBatchNorm needs CUDA), so the test
freezes the BN statistics (``norm_eval``): DDP's averaged gradients then equal the
single-process gradients up to float summation order, and the weights after 2 SGD steps agree
to 1e-4 of how far training moved them.
"""
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO, free_port, subprocess_env
from tests.small_model import deterministic_train_cfg

pytestmark = [pytest.mark.dist, pytest.mark.numeric]


@pytest.fixture(scope='module')
def config(tmp_path_factory):
    cfg = deterministic_train_cfg(faces_per_file=8)
    cfg.model.backbone.norm_eval = True
    cfg.train_dataloader.dataset = cfg.train_dataloader.dataset.datasets[0]
    cfg.train_cfg.update(max_epochs=1)
    cfg.custom_hooks = [dict(type='WeightsOnlyCheckpointHook')]
    cfg.param_scheduler = []
    # SGD: updates proportional to the gradients (Adam's first steps are ≈ lr·sign(g), which
    # turns tiny gradient differences into full-size weight differences)
    cfg.optim_wrapper = dict(optimizer=dict(type='SGD', lr=1e-3))
    path = tmp_path_factory.mktemp('cfg') / 'tiny.py'
    cfg.dump(str(path))
    return path


def _init_weights(config):
    """The weights both runs start from (the Runner seeds before building the model)."""
    from mmengine.runner import set_random_seed
    from mmpose.registry import MODELS
    cfg = Config.fromfile(str(config))
    set_random_seed(cfg.randomness.seed)
    return MODELS.build(cfg.model).state_dict()


def _train(cmd, work, batch):
    env = subprocess_env(PYTHON=sys.executable, PORT=free_port())
    out = subprocess.run(cmd + ['--device', 'cpu', '--work-dir', str(work), '--skip-data-check',
                                '--cfg-options', f'train_dataloader.batch_size={batch}'],
                         cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    return torch.load(work / 'epoch_1.pth', weights_only=True)['state_dict'], out.stdout + out.stderr


def test_two_gloo_processes_match_one_process(config, tmp_path):
    single, _ = _train([sys.executable, 'tools/train.py', str(config)], tmp_path / 'one', 4)
    dist, log = _train(['bash', 'tools/dist_train.sh', str(config), '2'], tmp_path / 'two', 2)
    assert 'Distributed launcher: pytorch' in log and 'Distributed training: True' in log
    assert "dist_cfg=dict(backend='gloo')" in log
    init = _init_weights(config)
    keys = [k for k, v in single.items() if v.is_floating_point() and 'running' not in k]
    moved = sum(((single[k] - init[k]) ** 2).sum() for k in keys).sqrt()
    moved_dist = sum(((dist[k] - init[k]) ** 2).sum() for k in keys).sqrt()
    diff = sum(((single[k] - dist[k]) ** 2).sum() for k in keys).sqrt()
    assert moved > 0.01 and moved_dist > 0.01
    # gradients equal up to float32 summation order (2 half-batch sums vs one): 1e-4 of the
    # distance trained leaves orders of magnitude for that rounding, none for a wrong average
    assert diff <= 1e-4 * moved, (float(diff), float(moved))
