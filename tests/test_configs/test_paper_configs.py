"""The paper configs (WFLW, 300W, COFW; 4×256 hourglass at 256²) state the recipe the model-zoo
page (configs/adnet/README.md) documents, build the documented network for their dataset's
layout, and keep the protocol: no model selection on the test set, multi-process BN settings,
ADNet's crop, an evaluator that follows the evaluated dataset."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmpose.registry import MODELS

from tests.conftest import REPO

PAPER = {name: REPO / f'configs/adnet/td-adnet_hg4x256_1xb32-500e_{name}-256x256.py'
         for name in ('wflw', '300w', 'cofw')}
# dataset class, folder, image prefix (the converters' layouts), test annotation file
DATA = {'wflw': ('WFLWDataset', 'data/wflw/', 'WFLW_images/', 'face_landmarks_wflw_test'),
        '300w': ('Face300WDataset', 'data/300w/', '', 'face_landmarks_300w_valid'),
        'cofw': ('COFWDataset', 'data/cofw/', 'images/', 'cofw_test')}
# the layouts: landmarks and boundary groups (the metainfo files' own lengths are checked too)
LAYOUT = {'wflw': (98, 9), '300w': (68, 9), 'cofw': (29, 7)}
# configs/adnet/README.md, "Params" column (trainable parameters, in millions, 2 decimals);
# the WFLW one is the spec's exact 13,476,468 (tests/test_models/test_official_parity.py)
PARAMS_M = {'wflw': 13.48, '300w': 13.37, 'cofw': 13.23}
# configs/adnet/README.md: inter-ocular NME except COFW's inter-pupil
NORM = {'wflw': 'inter_ocular', '300w': 'inter_ocular', 'cofw': 'inter_pupil'}


def load(name) -> Config:
    return Config.fromfile(str(PAPER[name]))


def ann_path(loader):
    ds = loader.dataset
    return osp.normpath(osp.join(ds.data_root, ds.ann_file))


def test_the_three_paper_configs_exist():
    assert sorted(REPO.glob('configs/adnet/td-adnet_hg4x256_*.py')) == sorted(PAPER.values())


@pytest.mark.parametrize('name', PAPER)
def test_recipe_as_documented(name):
    """configs/adnet/README.md: Adam 1e-3 without weight decay, MultiStepLR ×0.1 at epochs
    200 / 350 / 450, 500 epochs, total batch 32, EMA decay 0.5^(8/10000); 256² input, 64²
    maps, σ = 1.5 px (the codec's parity setting); loss weights ADL 1, edge 10, point 10 and
    stack factors 1/8, 1/4, 1/2, 1 (the official values, ADNetHead's docstring)."""
    cfg = load(name)
    assert cfg.train_cfg.max_epochs == 500 and cfg.train_cfg.val_interval == 10
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.weight_decay, tuple(opt.betas)) == ('Adam', 1e-3, 0,
                                                                       (0.9, 0.999))
    (sched, ) = cfg.param_scheduler
    assert sched.type == 'MultiStepLR' and sched.by_epoch and sched.end == 500
    assert list(sched.milestones) == [200, 350, 450] and sched.gamma == 0.1
    assert cfg.train_dataloader.batch_size == 32 and cfg.auto_scale_lr.base_batch_size == 32
    ema = next(h for h in cfg.custom_hooks if h.type == 'EMAHook')
    assert ema.momentum == pytest.approx(1 - 0.5 ** (8 / 10000), rel=1e-12) and ema.update_buffers

    assert tuple(cfg.input_size) == (256, 256)
    assert tuple(cfg.codec.input_size) == (256, 256) and tuple(cfg.codec.heatmap_size) == (64, 64)
    assert cfg.codec.sigma == 1.5
    generate = next(t for t in cfg.train_dataloader.dataset.pipeline
                    if t.type == 'GenerateTarget')
    assert generate.encoder == cfg.codec and cfg.model.head.decoder == cfg.codec
    bb, head = cfg.model.backbone, cfg.model.head
    assert (bb.num_stacks, bb.depth, bb.channels, tuple(bb.input_size)) == (4, 4, 256,
                                                                          (256, 256))
    assert tuple(head.input_size) == (256, 256)
    assert tuple(head.loss_weights) == (1., 10., 10.)
    assert tuple(head.stack_weights) == (0.125, 0.25, 0.5, 1.0)
    assert cfg.model.test_cfg.flip_test is False


@pytest.mark.parametrize('name', PAPER)
def test_layout_follows_the_dataset_metainfo(name):
    cfg = load(name)
    info = Config.fromfile(cfg.metainfo.from_file).dataset_info
    k, e = LAYOUT[name]
    assert (len(info.keypoint_info), len(info.boundaries)) == (k, e)
    assert (cfg.num_keypoints, cfg.num_boundaries) == (k, e)
    bb, head = cfg.model.backbone, cfg.model.head
    assert (bb.num_keypoints, bb.num_boundaries, head.num_keypoints) == (k, e, k)
    for part in (head, cfg.codec, cfg.train_dataloader.dataset, cfg.val_dataloader.dataset,
                 cfg.test_dataloader.dataset):
        assert part.metainfo == cfg.metainfo
    assert info.dataset_name == cfg.dataset_name


@pytest.mark.parametrize('name', PAPER)
def test_built_network_has_the_documented_size(name):
    cfg = load(name)
    model = MODELS.build(cfg.model)
    k, e = LAYOUT[name]
    assert model.head.num_keypoints == k and model.head.num_boundaries == e
    assert model.head.decoder.input_size == (256, 256)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert round(params / 1e6, 2) == PARAMS_M[name]
    if name == 'wflw':
        assert params == 13_476_468


@pytest.mark.parametrize('name', PAPER)
def test_data_paths(name):
    cfg = load(name)
    dataset_type, root, prefix, test_file = DATA[name]
    assert cfg.dataset_type == dataset_type and cfg.data_root == root
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        ds = loader.dataset
        assert ds.type == dataset_type and ds.data_root == root and ds.data_mode == 'topdown'
        assert ds.data_prefix == dict(img=prefix)
        assert ds.ann_file.startswith('annotations/') and ds.ann_file.endswith('.json')
    # the selection split is held out of the training faces, never a test file
    train, val, test = (ann_path(loader) for loader in (
        cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader))
    assert val.endswith('_train_holdout.json') and train.endswith('_train_without_holdout.json')
    assert test.endswith(test_file + '.json') and test_file not in val
    assert len({train, val, test}) == 3
    assert cfg.val_dataloader.dataset.test_mode and cfg.test_dataloader.dataset.test_mode
    assert not cfg.train_dataloader.dataset.get('test_mode', False)


@pytest.mark.parametrize('name', PAPER)
def test_no_model_selection_on_the_test_set(name):
    cfg = load(name)
    checkpoint = cfg.default_hooks.checkpoint
    assert checkpoint.save_best == f'{name}/NME' and checkpoint.rule == 'less'
    assert ann_path(cfg.val_dataloader) != ann_path(cfg.test_dataloader)
    assert cfg.val_dataloader.dataset.data_prefix == cfg.train_dataloader.dataset.data_prefix


@pytest.mark.parametrize('name', PAPER)
def test_multi_process_settings_crop_and_evaluator(name):
    cfg = load(name)
    assert cfg.sync_bn == 'torch'
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'SyncBuffersHook' in hooks and 'EMAHook' in hooks
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        steps = {t['type']: t for t in loader.dataset.pipeline}
        assert steps['GetBBoxCenterScale']['padding'] == 1.0
        assert 'ADNetAffine' in steps and 'TopdownAffine' not in steps
        assert tuple(steps['ADNetAffine']['input_size']) == (256, 256)
        assert ('AnnotationCenterScale' in steps) == (name == 'cofw')
    for ev in (cfg.val_evaluator, cfg.test_evaluator):
        assert ev.type == 'FaceAlignmentMetric' and 'ann_file' not in ev
        assert ev.dataset == name and ev.norm == NORM[name] and ev.thr == 0.1
    assert cfg.val_evaluator.subsets is None
