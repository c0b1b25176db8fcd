"""The small ADNet config, a random-weight checkpoint, its ONNX export and real fixture faces,
for the inference, deployment and demo tests (random weights are enough for equality tests).
The cached artefacts are made once per test process in a temporary folder."""
import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS

from tests.conftest import REPO, shared_path

SMALL_CONFIG = str(next(REPO.glob('configs/adnet/td-adnet_hg2x64_*_afw68-*.py')))


def save_checkpoint(path, config=SMALL_CONFIG, seed=0) -> str:
    """Randomly initialised model of ``config`` saved as an mmengine checkpoint (with the
    dataset metainfo, as the trainer saves it)."""
    cfg = Config.fromfile(config)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': parse_pose_metainfo(cfg.metainfo)}}, path)
    return str(path)


@functools.lru_cache(maxsize=None)
def _cache() -> Path:
    path = Path(tempfile.mkdtemp(prefix='adnet-tests-'))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.lru_cache(maxsize=None)
def small_checkpoint() -> str:
    """The cached random-weight checkpoint of :data:`SMALL_CONFIG`."""
    return save_checkpoint(_cache() / 'small.pth')


@functools.lru_cache(maxsize=None)
def small_model(flip_test: bool):
    """The cached model of :func:`small_checkpoint` (eval mode)."""
    from adnet_mmpose.apis import init_adnet
    return init_adnet(SMALL_CONFIG, small_checkpoint(), flip_test=flip_test)


@functools.lru_cache(maxsize=None)
def small_onnx() -> str:
    """The cached ONNX export (``torch.onnx`` route) of :func:`small_checkpoint`."""
    from adnet_mmpose.deploy.export import export_onnx
    return export_onnx(SMALL_CONFIG, small_checkpoint(), str(_cache() / 'small.onnx'),
                       route='torch')


@functools.lru_cache(maxsize=None)
def face_detector_checkpoint() -> str:
    """Weights for MMPose's default face detector config (YOLOX-s), cached: random, with the
    objectness convolutions set to 0·x − 100, so the detector runs offline and finds no face."""
    from mmdet.apis import init_detector
    from mmpose.apis.inferencers.utils import default_det_models
    torch.manual_seed(0)
    state = init_detector(default_det_models['face']['model'], None, device='cpu').state_dict()
    for name in state:
        if 'conv_obj' in name:
            state[name].fill_(-100. if name.endswith('bias') else 0.)
    torch.save({'state_dict': state}, _cache() / 'face_det.pth')
    return str(_cache() / 'face_det.pth')


def afw_faces(n: int):
    """``n`` real faces of the afw68 val split: [(image path, (4,) float32 xyxy box)]."""
    root = shared_path('fixtures', 'afw68')
    ann = json.loads((root / 'val.json').read_text())
    files = {im['id']: im['file_name'] for im in ann['images']}
    out = []
    for a in ann['annotations'][:n]:
        x, y, w, h = a['bbox']
        out.append((str(root / 'images' / files[a['image_id']]),
                    np.array([x, y, x + w, y + h], np.float32)))
    return out


@functools.lru_cache(maxsize=None)
def small_wflw():
    """The cached (config, random-weight checkpoint) of the small model with WFLW's 98-landmark
    layout (the config is :data:`SMALL_CONFIG` with the layout overridden)."""
    meta = dict(from_file=str(REPO / 'configs/_base_/datasets/wflw.py'))
    path = _cache() / 'small_wflw.py'
    path.write_text(f'''_base_ = [{SMALL_CONFIG!r}]
metainfo = {meta!r}
dataset_name = 'wflw'
model = dict(backbone=dict(num_keypoints=98),
             head=dict(num_keypoints=98, metainfo=metainfo, decoder=dict(metainfo=metainfo)))
test_dataloader = dict(dataset=dict(type='WFLWDataset', metainfo=metainfo))
''')
    return str(path), save_checkpoint(_cache() / 'small_wflw.pth', config=str(path))


@functools.lru_cache(maxsize=None)
def small_adnet_crop():
    """The cached (config, random-weight checkpoint, ONNX export) of the small model whose test
    pipeline crops as the paper configs do: ``GetBBoxCenterScale(padding=1.0)`` +
    ``ADNetAffine`` (the config is :data:`SMALL_CONFIG` with that pipeline)."""
    from adnet_mmpose.deploy.export import export_onnx
    size = tuple(Config.fromfile(SMALL_CONFIG).model.head.input_size)
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale', padding=1.0),
                dict(type='ADNetAffine', input_size=size), dict(type='PackPoseInputs')]
    path = _cache() / 'small_adnet_crop.py'
    path.write_text(f'''_base_ = [{SMALL_CONFIG!r}]
val_pipeline = {pipeline!r}
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
''')
    ckpt = save_checkpoint(_cache() / 'small_adnet_crop.pth', config=str(path))
    onnx = export_onnx(str(path), ckpt, str(_cache() / 'small_adnet_crop.onnx'), route='torch')
    return str(path), ckpt, onnx


@pytest.fixture(scope='module')
def single_thread():
    """Module fixture: one torch thread. These tests run many tiny forward passes; on a shared
    2-core machine two threads mostly wait for each other (measured: up to 10× slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def deterministic_train_cfg(faces_per_file: int) -> Config:
    """The quick-start config trimmed for training tests: 32 channels, the first
    ``faces_per_file`` faces of each training file without random augmentation (two runs see
    identical batches), loading in the main process, no validation or test loop."""
    shared_path('fixtures', 'afw68')
    cfg = Config.fromfile(SMALL_CONFIG)
    pipeline = cfg.val_pipeline[:-1] + [dict(type='GenerateTarget', encoder=cfg.codec),
                                        dict(type='PackPoseInputs')]
    cfg.model.backbone.channels = 32
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    for ds in cfg.train_dataloader.dataset.datasets:
        ds.update(indices=faces_per_file, pipeline=pipeline)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.logger.interval = 1
    return cfg
