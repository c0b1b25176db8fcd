"""Resuming continues exactly (weights, Adam, scheduler, EMA, data order), from the checkpoints
of ``WeightsOnlyCheckpointHook`` (plain ``torch.load(weights_only=True)``) and from those of
mmengine's default ``CheckpointHook`` (under ``checkpoint_loading``, no opt-in)."""
import copy
import pickle

import pytest
import torch
from mmengine.runner import Runner

from adnet_mmpose.utils.checkpoint import checkpoint_loading, load_checkpoint_file
from tests.small_model import deterministic_train_cfg

HOOKS = ['weights_only_hook', 'mmengine_hook']


def _cfg(work_dir, max_epochs, hook, resume_from=None):
    cfg = deterministic_train_cfg(faces_per_file=6)
    if hook == 'mmengine_hook':
        cfg.custom_hooks = [h for h in cfg.custom_hooks
                            if h['type'] != 'WeightsOnlyCheckpointHook']
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.update(max_epochs=max_epochs, val_interval=100)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'resume_{work_dir.name}_{max_epochs}_{hook}'
    if resume_from:
        cfg.resume, cfg.load_from = True, str(resume_from)
    return cfg


def _final_state(runner):
    state = copy.deepcopy(runner.model.state_dict())
    ema = [h for h in runner.hooks if type(h).__name__ == 'EMAHook'][0]
    return state, copy.deepcopy(ema.ema_model.state_dict()), copy.deepcopy(
        runner.optim_wrapper.state_dict())


@pytest.fixture(scope='module', params=HOOKS)
def runs(request, tmp_path_factory):
    """Two epochs straight, and a run resumed from the straight run's own ``epoch_1.pth`` (an
    interruption after the first epoch; two Runners per hook instead of three)."""
    hook = request.param
    work = tmp_path_factory.mktemp('straight')
    straight = Runner.from_cfg(_cfg(work, 2, hook))
    straight.train()
    resumed = Runner.from_cfg(_cfg(tmp_path_factory.mktemp('resumed'), 2, hook,
                                   resume_from=work / 'epoch_1.pth'))
    with checkpoint_loading():   # as tools/train.py --resume
        resumed.train()
    return _final_state(straight), _final_state(resumed), work, hook


@pytest.mark.numeric   # bitwise: holds for any deterministic kernels (tools/test_variants.sh)
def test_resume_equals_uninterrupted_run_bitwise(runs):
    (w_a, ema_a, opt_a), (w_b, ema_b, opt_b), _, _ = runs
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


def test_training_checkpoints_load_weights_only(runs):
    """Plain torch.load(weights_only=True) for WeightsOnlyCheckpointHook's; mmengine's own
    need the allow-list of load_checkpoint_file (numpy, HistoryBuffer)."""
    _, _, work, hook = runs
    for name in ['epoch_1.pth', 'epoch_2.pth']:
        if hook == 'weights_only_hook':
            ckpt = torch.load(work / name, weights_only=True, map_location='cpu')
        else:
            with pytest.raises(pickle.UnpicklingError, match='numpy'):
                torch.load(work / name, weights_only=True, map_location='cpu')
            ckpt = load_checkpoint_file(work / name)
        assert {'state_dict', 'ema_state_dict', 'optimizer', 'param_schedulers',
                'message_hub', 'meta'} <= set(ckpt)
        assert ckpt['meta']['dataset_meta']['num_keypoints'] == 68
