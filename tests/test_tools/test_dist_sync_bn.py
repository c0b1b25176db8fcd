"""BatchNorm statistics across processes under the paper configs' multi-process settings.

torch's ``SyncBatchNorm`` (the configs' ``sync_bn='torch'``) only runs on CUDA: its forward
raises for CPU tensors once a process group exists, and ``torch.batch_norm_stats`` has no CPU
kernel. What is tested on the CPU with gloo: ``tools/train.py`` drops ``sync_bn`` there with a
warning, each process then normalises with its own half-batch (the running statistics differ
after N steps), and ``SyncBuffersHook`` averages them at the end of every epoch (equal after
it). The synchronised run itself (equal statistics after every step) needs two GPUs.
"""
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO, free_port, subprocess_env
from tests.small_model import deterministic_train_cfg

pytestmark = pytest.mark.dist
PAPER = REPO / 'configs/adnet/td-adnet_hg4x256_1xb32-500e_wflw-256x256.py'


def config(tmp_path, device):
    """The small deterministic config with the paper config's multi-process settings."""
    paper = Config.fromfile(str(PAPER))
    cfg = deterministic_train_cfg(faces_per_file=8)
    cfg.train_dataloader.dataset = cfg.train_dataloader.dataset.datasets[0]
    cfg.train_cfg.update(max_epochs=1)
    cfg.param_scheduler = []
    cfg.sync_bn = paper.sync_bn
    hooks = [h for h in paper.custom_hooks if h['type'] == 'SyncBuffersHook']
    assert hooks, 'the paper config must keep SyncBuffersHook'
    cfg.custom_hooks = [dict(type='WeightsOnlyCheckpointHook'), *hooks,
                        dict(type='DumpBNStatsHook', out_dir=str(tmp_path / 'bn'))]
    cfg.custom_imports.imports = list(cfg.custom_imports.imports) + ['tests.bn_stats_hook']
    path = tmp_path / f'tiny_{device}.py'
    cfg.dump(str(path))
    return path


def train_two_processes(tmp_path, device):
    env = subprocess_env(PYTHON=sys.executable, PORT=free_port())
    out = subprocess.run(['bash', 'tools/dist_train.sh', str(config(tmp_path, device)), '2',
                          '--device', device, '--work-dir', str(tmp_path / 'work'),
                          '--skip-data-check', '--cfg-options', 'train_dataloader.batch_size=2'],
                         cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    load = (lambda tag, r: torch.load(tmp_path / 'bn' / f'{tag}_rank{r}.pth', weights_only=True))
    return load, out.stdout + out.stderr


def max_diff(a, b):
    assert a.keys() == b.keys() and len(a) > 10
    return max(float((a[k] - b[k]).abs().max()) for k in a)


def test_cpu_per_process_bn_averaged_at_epoch_end(tmp_path):
    load, log = train_two_processes(tmp_path, 'cpu')
    assert "SyncBatchNorm needs CUDA" in log
    # 8 faces, 2 processes x 2 faces: 2 steps per epoch
    assert (tmp_path / 'bn' / 'iter2_rank1.pth').exists()
    assert not (tmp_path / 'bn' / 'iter3_rank0.pth').exists()
    before = max_diff(load('iter2', 0), load('iter2', 1))
    after = max_diff(load('epoch1', 0), load('epoch1', 1))
    print(f'BN running statistics, max |rank 0 - rank 1|: after 2 steps {before:.3g}, '
          f'after the epoch (SyncBuffersHook) {after:.3g}')
    # different faces per process: statistics apart by far more than float32 rounding
    assert before > 1e-3, before
    # all_reduce(mean) gives every process the same float32 result
    assert after == 0.0, after


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason='SyncBatchNorm needs 2 CUDA devices')
def test_cuda_sync_bn_equal_statistics_after_every_step(tmp_path):
    load, log = train_two_processes(tmp_path, 'cuda')
    assert 'SyncBatchNorm needs CUDA' not in log
    for tag in ('iter1', 'iter2'):
        # both processes normalise with the statistics of the whole batch (same reduction)
        assert max_diff(load(tag, 0), load(tag, 1)) < 1e-6, tag
