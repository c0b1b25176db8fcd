"""The paper configs' protocol: no model selection on the test set, multi-process BN settings,
ADNet's crop, an evaluator that follows the evaluated dataset."""
import os.path as osp

import pytest
from mmengine.config import Config

from tests.conftest import REPO

PAPER = sorted(REPO.glob('configs/adnet/td-adnet_hg4x256_*.py'))
TEST_FILES = {'wflw': 'face_landmarks_wflw_test', '300w': 'face_landmarks_300w_valid',
              'cofw': 'cofw_test'}


def ann_path(loader):
    ds = loader.dataset
    return osp.normpath(osp.join(ds.data_root, ds.ann_file))


def test_three_paper_configs():
    assert [p.name.split('_')[-1] for p in PAPER] == ['300w-256x256.py', 'cofw-256x256.py',
                                                       'wflw-256x256.py']


@pytest.mark.parametrize('path', PAPER, ids=lambda p: p.name)
def test_no_model_selection_on_the_test_set(path):
    cfg = Config.fromfile(str(path))
    val, test = ann_path(cfg.val_dataloader), ann_path(cfg.test_dataloader)
    save_best = cfg.default_hooks.checkpoint.get('save_best')
    if save_best:
        assert val != test, f'{path.name}: save_best={save_best!r} selects on the test file'
    # the selection split is held out of the training faces, never a test file
    train = ann_path(cfg.train_dataloader)
    assert val.endswith('_train_holdout.json') and train.endswith('_train_without_holdout.json')
    assert TEST_FILES[cfg.dataset_name] not in val
    assert test.endswith(TEST_FILES[cfg.dataset_name] + '.json')
    assert cfg.val_dataloader.dataset.data_prefix == cfg.train_dataloader.dataset.data_prefix


@pytest.mark.parametrize('path', PAPER, ids=lambda p: p.name)
def test_multi_process_settings_crop_and_evaluator(path):
    cfg = Config.fromfile(str(path))
    assert cfg.sync_bn == 'torch'
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'SyncBuffersHook' in hooks and 'EMAHook' in hooks
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        steps = {t['type']: t for t in loader.dataset.pipeline}
        assert steps['GetBBoxCenterScale']['padding'] == 1.0
        assert 'ADNetAffine' in steps and 'TopdownAffine' not in steps
        assert ('AnnotationCenterScale' in steps) == (cfg.dataset_name == 'cofw')
    for ev in (cfg.val_evaluator, cfg.test_evaluator):
        assert ev.type == 'FaceAlignmentMetric' and 'ann_file' not in ev
    assert cfg.val_evaluator.subsets is None
