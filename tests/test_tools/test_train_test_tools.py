"""tools/train.py and tools/test.py end to end on CPU with the quick-start config (on 16
real training faces and 8 validation faces, so that it takes seconds)."""
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO, shared_path, subprocess_env

CONFIG = 'configs/adnet/td-adnet_hg2x64_1xb16-10e_afw68-96x96.py'
SMALL = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
         'train_dataloader.batch_size=8', 'train_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False',
         'train_dataloader.dataset.datasets.0.indices=8',
         'train_dataloader.dataset.datasets.1.indices=8',
         'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
         'val_dataloader.dataset.indices=8', 'default_hooks.logger.interval=1']


def _run(*args):
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env=subprocess_env())


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    shared_path('fixtures', 'afw68')
    work = tmp_path_factory.mktemp('train')
    out = _run('tools/train.py', CONFIG, '--device', 'cpu', '--work-dir', str(work),
               '--cfg-options', *SMALL)
    assert out.returncode == 0, out.stderr[-3000:]
    return work, out.stdout + out.stderr


def test_train_writes_checkpoint_and_logs_progress(trained):
    work, log = trained
    assert (work / 'epoch_1.pth').exists()
    assert re.search(r'Epoch\(train\)\s+\[1\]\[1/2\].*loss_adl: [0-9.]+.*err_px', log)
    assert re.search(r'300w/NME: [0-9.]+', log)


def test_test_evaluates_the_checkpoint(trained, tmp_path):
    work, _ = trained
    out = _run('tools/test.py', CONFIG, str(work / 'epoch_1.pth'), '--device', 'cpu',
               '--work-dir', str(tmp_path), '--dump', str(tmp_path / 'preds.pkl'),
               '--cfg-options', *SMALL[7:10])
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    for key in ['300w/NME', '300w/FR@0.1', '300w/AUC@0.1', '300w/P95']:
        assert re.search(key + r': [0-9.]+', log), key
    assert (tmp_path / 'preds.pkl').exists()


def test_resume_flag_continues_from_the_work_dir(trained):
    work, _ = trained
    out = _run('tools/train.py', CONFIG, '--device', 'cpu', '--work-dir', str(work),
               '--resume', '--cfg-options', *SMALL, 'train_cfg.max_epochs=2')
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert 'resumed epoch: 1' in log and (work / 'epoch_2.pth').exists()


def test_cuda_request_without_cuda_is_a_clear_error():
    import torch
    if torch.cuda.is_available():
        pytest.skip('this machine has CUDA')
    out = _run('tools/train.py', CONFIG, '--device', 'cuda')
    assert out.returncode != 0
    assert '--device cuda: CUDA is not available' in out.stderr
    assert 'Traceback' not in out.stderr
