"""runner_setup.prepare_cfg: what tools/train.py / tools/test.py hand to mmengine's Runner."""
from types import SimpleNamespace

from mmengine.config import Config

from adnet_mmpose.engine.runner_setup import prepare_cfg


def test_testing_a_resumed_runs_dumped_config_loads_without_resuming():
    """A config dumped by ``tools/train.py --resume`` says ``resume=True``; testing it must load
    the given checkpoint only (resuming would also restore the training's MessageHub, with
    the validation split's annotation file in place of the test split's)."""
    cfg = Config(dict(resume=True, load_from='work/epoch_3.pth'))
    args = SimpleNamespace(config='x.py', work_dir='work', device='cpu', launcher='none',
                           cfg_options=None, checkpoint='work/epoch_24.pth')
    cfg = prepare_cfg(cfg, args, mode='test')
    assert cfg.resume is False and cfg.load_from == 'work/epoch_24.pth'
