"""Resuming continues exactly (weights, Adam, scheduler, EMA, data order) and the checkpoints
training writes load with torch.load(weights_only=True)."""
import copy

import pytest
import torch
from mmengine.runner import Runner

from tests.small_model import deterministic_train_cfg


def _cfg(work_dir, max_epochs, resume_from=None):
    cfg = deterministic_train_cfg(faces_per_file=6)
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.update(max_epochs=max_epochs, val_interval=100)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'resume_{work_dir.name}_{max_epochs}'
    if resume_from:
        cfg.resume, cfg.load_from = True, str(resume_from)
    return cfg


def _final_state(runner):
    state = copy.deepcopy(runner.model.state_dict())
    ema = [h for h in runner.hooks if type(h).__name__ == 'EMAHook'][0]
    return state, copy.deepcopy(ema.ema_model.state_dict()), copy.deepcopy(
        runner.optim_wrapper.state_dict())


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    straight = Runner.from_cfg(_cfg(tmp_path_factory.mktemp('straight'), 2))
    straight.train()
    first = tmp_path_factory.mktemp('interrupted')
    Runner.from_cfg(_cfg(first, 1)).train()
    resumed = Runner.from_cfg(_cfg(first, 2, resume_from=first / 'epoch_1.pth'))
    resumed.train()
    return _final_state(straight), _final_state(resumed), first


def test_resume_equals_uninterrupted_run_bitwise(runs):
    (w_a, ema_a, opt_a), (w_b, ema_b, opt_b), _ = runs
    assert w_a.keys() == w_b.keys()
    for key in w_a:
        assert torch.equal(w_a[key], w_b[key]), key
    for key in ema_a:
        assert torch.equal(ema_a[key], ema_b[key]), key
    steps = [s['step'] for s in opt_b['state'].values()]
    assert all(int(s) == 6 for s in steps)  # 3 iterations per epoch × 2 epochs
    for i, s in opt_a['state'].items():
        assert torch.equal(s['exp_avg'], opt_b['state'][i]['exp_avg'])
    assert opt_a['param_groups'][0]['lr'] == opt_b['param_groups'][0]['lr']


def test_training_checkpoints_load_with_weights_only(runs, monkeypatch):
    _, _, work = runs
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', raising=False)
    for name in ['epoch_1.pth', 'epoch_2.pth']:
        ckpt = torch.load(work / name, weights_only=True, map_location='cpu')
        assert {'state_dict', 'ema_state_dict', 'optimizer', 'param_schedulers',
                'message_hub', 'meta'} <= set(ckpt)
        assert ckpt['meta']['dataset_meta']['num_keypoints'] == 68
