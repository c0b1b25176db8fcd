"""Every entry point loads checkpoints safely, with no environment variable set: a payload
checkpoint is refused with the message naming the file, the global and ``--trust-checkpoint``
and its code never runs; checkpoints of mmengine's ``CheckpointHook``, ``WeightsOnlyCheckpointHook``
and the converter load without opt-in. The command lines run in this process (as ``python
tools/...`` would) to keep the tests fast."""
import importlib.util
import json
import os
import pickle
import runpy
import sys

import cv2
import numpy as np
import pytest
import torch
from mmpose.apis import MMPoseInferencer as MMPoseOwnInferencer
from mmpose.apis import inference_topdown, init_model
from mmpose.apis.inference import dataset_meta_from_config

import adnet_mmpose  # noqa: F401
from adnet_mmpose.apis.inferencer import MMPoseInferencer
from adnet_mmpose.runtime.backends.onnxruntime import ONNXLandmarkRunner
from adnet_mmpose.utils.checkpoint import UntrustedCheckpointError, load_checkpoint_file
from tests.conftest import REPO, shared_path
from tests.small_model import SMALL_CONFIG, single_thread  # noqa: F401  (fixture)
from tests.test_utils.checkpoint_kinds import checkpoint_kinds, payload_checkpoint

pytestmark = pytest.mark.usefixtures('single_thread', 'clean_env')
KINDS = ['mmengine', 'weights_only', 'converter']
REFUSED = 'refused to load this checkpoint: it needs builtins.exec'


@pytest.fixture
def clean_env(monkeypatch):
    """No escape hatch in the environment; what the tools export is undone afterwards."""
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', raising=False)
    for name, default in (('CUDA_VISIBLE_DEVICES', ''), ('LOCAL_RANK', '0')):
        monkeypatch.setenv(name, os.environ.get(name, default))


@pytest.fixture
def payload(tmp_path):
    shared_path('fixtures', 'afw68')    # the tools build the small config's fixture dataset
    marker = tmp_path / 'payload_ran'
    yield payload_checkpoint(tmp_path / 'payload.pth', marker)
    assert not marker.exists(), 'the payload ran'


def config_of(kind, tmp_path) -> str:
    """The small config matching the checkpoint (training used 32 channels)."""
    if kind == 'converter':
        return SMALL_CONFIG
    path = tmp_path / 'small32.py'
    path.write_text(f'_base_ = [{SMALL_CONFIG!r}]\nmodel = dict(backbone=dict(channels=32))\n')
    return str(path)


def reference_landmarks(kind, tmp_path, img, boxes, flip_test=True) -> np.ndarray:
    """(N, 68, 2) image-pixel landmarks of ``boxes`` by ``inference_topdown`` with the file's
    state dict loaded strictly into the config's model, beside every entry point's loading: an
    entry point that dropped the weights would give a random network's landmarks."""
    model = init_model(config_of(kind, tmp_path), None, device='cpu')
    model.dataset_meta = dataset_meta_from_config(model.cfg, dataset_mode='test')
    model.test_cfg['flip_test'] = flip_test
    model.load_state_dict(load_checkpoint_file(checkpoint_kinds()[kind])['state_dict'],
                          strict=True)
    samples = inference_topdown(model.eval(), img, np.asarray(boxes, np.float32))
    return np.stack([s.pred_instances.keypoints[0] for s in samples])


def run_tool(script, *argv):
    """``python tools/<script> argv`` in this process; its SystemExit propagates."""
    old = sys.argv
    sys.argv = [str(REPO / script), *map(str, argv)]
    try:
        runpy.run_path(str(REPO / script), run_name='__main__')
    finally:
        sys.argv = old


def module(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---- tools/test.py ---------------------------------------------------------------------

TEST_OPTS = ['--device', 'cpu', '--cfg-options', 'test_dataloader.dataset.indices=2',
             'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']


def test_test_py_refuses_payload(payload, tmp_path):
    with pytest.raises(SystemExit, match=REFUSED + '.*--trust-checkpoint'):
        run_tool('tools/test.py', SMALL_CONFIG, payload, '--work-dir', tmp_path, *TEST_OPTS)


@pytest.mark.parametrize('kind', KINDS)
def test_test_py_loads(kind, tmp_path):
    run_tool('tools/test.py', config_of(kind, tmp_path), checkpoint_kinds()[kind],
             '--work-dir', tmp_path, '--dump', tmp_path / 'preds.pkl', *TEST_OPTS)
    metrics = json.loads(next(tmp_path.rglob('*.json')).read_text())
    assert metrics['300w/NME'] > 0
    with open(tmp_path / 'preds.pkl', 'rb') as f:
        samples = pickle.load(f)
    assert len(samples) == 2
    for s in samples:
        ref = reference_landmarks(kind, tmp_path, s['img_path'], s['gt_instances']['bboxes'])
        # same weights, pipeline and kernels; the batch of 2 may take another convolution
        # kernel than a single face (float32 rounding): the 1e-3 px landmark tolerance
        np.testing.assert_allclose(np.asarray(s['pred_instances']['keypoints'])[0], ref[0],
                                   atol=1e-3, rtol=0)


# ---- tools/train.py --resume / load_from ------------------------------------------------

def train_opts(tmp_path):
    return ['--device', 'cpu', '--work-dir', tmp_path / 'work', '--no-validate',
            '--skip-data-check', '--cfg-options', 'train_cfg.max_epochs=2',
            'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False',
            'train_dataloader.dataset.datasets.0.indices=2',
            'train_dataloader.dataset.datasets.1.indices=2']


def test_train_py_resume_refuses_payload(payload, tmp_path):
    with pytest.raises(SystemExit, match=REFUSED):
        run_tool('tools/train.py', SMALL_CONFIG, '--resume', payload, *train_opts(tmp_path))


def test_train_py_load_from_refuses_payload(payload, tmp_path):
    with pytest.raises(SystemExit, match=REFUSED):
        run_tool('tools/train.py', SMALL_CONFIG, *train_opts(tmp_path), f'load_from={payload}')


@pytest.mark.parametrize('kind,how', [('mmengine', 'resume'), ('weights_only', 'resume'),
                                      ('converter', 'load_from')])
def test_train_py_continues_from(kind, how, tmp_path):
    ckpt = checkpoint_kinds()[kind]
    opts = train_opts(tmp_path)
    if how == 'resume':
        run_tool('tools/train.py', config_of(kind, tmp_path), '--resume', ckpt, *opts)
    else:
        run_tool('tools/train.py', config_of(kind, tmp_path), *opts, f'load_from={ckpt}')
    log = next((tmp_path / 'work').rglob('*.log')).read_text()
    assert f'Load checkpoint from {ckpt}' in log
    # a resume continues after the checkpoint's epoch 1; load_from starts at epoch 1
    assert ('Epoch(train) [1]' in log) == (how == 'load_from') and 'Epoch(train) [2]' in log
    assert (tmp_path / 'work' / 'epoch_2.pth').is_file()


# ---- demo/adnet_demo.py -----------------------------------------------------------------

def demo_args(config, ckpt, tmp_path):
    img = np.random.default_rng(0).integers(0, 256, (120, 100, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / 'face.jpg'), img)
    (tmp_path / 'boxes.json').write_text(json.dumps({'face.jpg': [[5, 5, 95, 115]]}))
    args = [str(tmp_path / 'face.jpg'), '--config', config, '--checkpoint', ckpt,
            '--out-dir', str(tmp_path / 'out'), '--bboxes', str(tmp_path / 'boxes.json')]
    if '--whole-image' in (REPO / 'demo/adnet_demo.py').read_text():
        args.append('--whole-image')   # no face detector where no box is given
    return args


def test_demo_refuses_payload(payload, tmp_path, capsys):
    demo = module(REPO / 'demo/adnet_demo.py')
    assert demo.main(demo_args(SMALL_CONFIG, payload, tmp_path)) == 2
    assert REFUSED in capsys.readouterr().err


@pytest.mark.parametrize('kind', KINDS)
def test_demo_loads(kind, tmp_path):
    demo = module(REPO / 'demo/adnet_demo.py')
    ckpt = checkpoint_kinds()[kind]
    assert demo.main(demo_args(config_of(kind, tmp_path), ckpt, tmp_path)) == 0
    result = json.loads((tmp_path / 'out' / 'predictions.json').read_text())['results'][0]
    ref = reference_landmarks(kind, tmp_path, str(tmp_path / 'face.jpg'), [[5, 5, 95, 115]])
    # the demo rounds to 1e-3 px (5e-4 px at most) on top of the 1e-3 px landmark tolerance
    np.testing.assert_allclose(result['faces'][0]['landmarks'], ref[0], atol=1.5e-3, rtol=0)


# ---- tools/deploy/export_onnx.py --------------------------------------------------------

def test_exporter_refuses_payload(payload, tmp_path, capsys):
    export = module(REPO / 'tools/deploy/export_onnx.py')
    assert export.main([SMALL_CONFIG, payload, str(tmp_path / 'a.onnx'), '--no-check']) == 2
    assert REFUSED in capsys.readouterr().err
    assert not (tmp_path / 'a.onnx').exists()


@pytest.mark.parametrize('kind,route', [('mmengine', 'mmdeploy'), ('weights_only', 'torch'),
                                        ('converter', 'torch')])
def test_exporter_loads(kind, route, tmp_path):
    """The mmdeploy route loads the checkpoint a second time through mmengine."""
    export = module(REPO / 'tools/deploy/export_onnx.py')
    out = tmp_path / 'a.onnx'
    assert export.main([config_of(kind, tmp_path), checkpoint_kinds()[kind], str(out),
                        '--route', route, '--no-check']) == 0
    img = np.random.default_rng(0).integers(0, 256, (120, 100, 3), dtype=np.uint8)
    box = [[5, 5, 95, 115]]
    landmarks = ONNXLandmarkRunner(str(out))(img, np.asarray(box, np.float32))['keypoints']
    # ONNX Runtime against PyTorch on the same crop (the exported network has no flip test):
    # the 1e-3 px landmark tolerance
    ref = reference_landmarks(kind, tmp_path, img, box, flip_test=False)
    np.testing.assert_allclose(landmarks, ref, atol=1e-3, rtol=0)


# ---- MMPoseInferencer -------------------------------------------------------------------

def test_inferencer_refuses_payload(payload):
    with pytest.raises(UntrustedCheckpointError, match=REFUSED):
        MMPoseInferencer(pose2d=SMALL_CONFIG, pose2d_weights=payload, device='cpu',
                         det_model='whole_image')


def test_mmpose_own_inferencer_still_refuses_payload_after_import(payload):
    """mmpose's class, untouched by ``import adnet_mmpose``, keeps torch's own refusal (of
    the numpy metainfo already; the payload never runs either way)."""
    with pytest.raises(pickle.UnpicklingError, match='Weights only load failed'):
        MMPoseOwnInferencer(pose2d=SMALL_CONFIG, pose2d_weights=payload, device='cpu',
                            det_model='whole_image')


@pytest.mark.parametrize('kind', KINDS)
def test_inferencer_loads(kind, tmp_path):
    inferencer = MMPoseInferencer(pose2d=config_of(kind, tmp_path),
                                  pose2d_weights=checkpoint_kinds()[kind], device='cpu',
                                  det_model='whole_image')
    # the file's weights, not a fresh initialisation: every stored tensor, copied exactly
    stored = load_checkpoint_file(checkpoint_kinds()[kind])['state_dict']
    model = inferencer.inferencer.model.state_dict()
    assert set(model) == set(stored)
    for name, value in stored.items():
        torch.testing.assert_close(model[name], value.to(model[name].dtype), rtol=0, atol=0)
    img = np.random.default_rng(0).integers(0, 256, (120, 100, 3), dtype=np.uint8)
    faces = next(inferencer(img))['predictions'][0]
    assert np.asarray(faces[0]['keypoints']).shape == (68, 2)
