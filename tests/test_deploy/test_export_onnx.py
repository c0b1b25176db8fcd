"""ONNX export on both routes: the graph contract, ONNX Runtime equal to eager PyTorch on real
fixture faces (batch 1 and 4, within 1e-3 px), mmdeploy's ONNX Runtime backend model, and the
ONNX Runtime runner equal to ``inference_topdown`` (without torch installed:
tests/test_runtime/test_torch_free.py)."""
import importlib.util
import json

import numpy as np
import onnx
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmpose.apis import inference_topdown

from adnet_mmpose.apis import init_adnet
from adnet_mmpose.deploy.export import embed_metadata, export_onnx
from adnet_mmpose.runtime.backends.onnxruntime import ONNXLandmarkRunner
from adnet_mmpose.runtime.contract import METADATA_KEY
from tests.conftest import REPO, shared_path
from tests.small_model import (SMALL_CONFIG, afw_faces, save_checkpoint, small_adnet_crop,
                               small_checkpoint, small_model, small_onnx, small_wflw)
from tests.small_model import single_thread  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures('single_thread')


def _tool():
    spec = importlib.util.spec_from_file_location('export_onnx_tool',
                                                  REPO / 'tools/deploy/export_onnx.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def model():
    return small_model(flip_test=False)


def network_input(model, faces) -> torch.Tensor:
    """(N, 3, H, W) input of N (image path, xyxy box) faces, exactly as the test pipeline and
    the data preprocessor make it."""
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    data = [pipeline(dict(img_path=path, bbox=box[None], bbox_score=np.ones(1, np.float32),
                          **model.dataset_meta)) for path, box in faces]
    return model.data_preprocessor(pseudo_collate(data), False)['inputs']


@pytest.fixture(scope='module')
def faces(model):
    """Network input of 4 real afw68 faces."""
    return network_input(model, afw_faces(4))


@pytest.fixture(scope='module')
def eager(model, faces):
    """Eager PyTorch landmarks (B, K, 2) and scores (B, K) of the faces, for B = 1 and 4."""
    with torch.no_grad():
        return {b: [t.numpy() for t in model.head.forward_with_scores(model.extract_feat(
            faces[:b]))] for b in (1, 4)}


@pytest.fixture(scope='module')
def mmdeploy_onnx(tmp_path_factory):
    """Exported by the one-command tool (mmdeploy route; the tests below do its check)."""
    out = tmp_path_factory.mktemp('mmdeploy') / 'small.onnx'
    assert _tool().main([SMALL_CONFIG, small_checkpoint(), str(out), '--no-check']) == 0
    return str(out)


@pytest.fixture(scope='module', params=['mmdeploy', 'torch'])
def exported(request):
    return request.getfixturevalue('mmdeploy_onnx') if request.param == 'mmdeploy' \
        else small_onnx()


@pytest.fixture(scope='module')
def runner(exported):
    return ONNXLandmarkRunner(exported)


def test_graph_contract(exported, runner, model):
    proto = onnx.load(exported)
    assert [o.version for o in proto.opset_import if o.domain in ('', 'ai.onnx')] == [11]
    assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in proto.graph.initializer)
    dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in list(proto.graph.input) + list(proto.graph.output)}
    w, h = model.head.input_size
    assert dims == {'input': ['batch', 3, h, w], 'landmarks': ['batch', 68, 2],
                    'scores': ['batch', 68]}
    info = runner.info
    assert info['input_size'] == [w, h] and info['padding'] == 1.25
    assert info['crop_style'] == 'mmpose'   # the test pipeline uses TopdownAffine
    assert info['mean'] == [127.5] * 3 and info['bgr_to_rgb'] is False
    assert len(info['boundaries']) == 9 and info['dataset_name'] == '300w'


@pytest.mark.numeric   # rerun under other CPU kernels (tools/test_variants.sh)
@pytest.mark.parametrize('batch', [1, 4])
def test_onnxruntime_equals_pytorch_on_real_faces(runner, faces, eager, batch):
    ref_l, ref_s = eager[batch]
    lm, sc = runner.run(faces[:batch].numpy())
    assert lm.shape == (batch, 68, 2) and sc.shape == (batch, 68)
    # two kernel libraries (ONNX Runtime's MLAS, PyTorch's oneDNN): measured ≤ 5.3e-5 px and
    # 1.8e-7 in scores, also with oneDNN's SSE4.1 kernels; bounds 1e-3 px and 1e-5
    assert np.abs(lm - ref_l).max() < 1e-3
    assert np.abs(sc - ref_s).max() < 1e-5


def test_tensor_mode_is_the_landmark_output(model, faces, eager):
    """mmdeploy traces ``model(x, None, mode='tensor')``: ``head.forward``, the landmarks."""
    with torch.no_grad():
        np.testing.assert_array_equal(model(faces[:1], None, mode='tensor').numpy(), eager[1][0])


@pytest.mark.numeric
def test_runner_equals_inference_topdown(model):
    (p1, b1), (_, b2) = afw_faces(2)
    boxes = np.stack([b1, b2 * 0.9])   # two boxes on one image
    out = ONNXLandmarkRunner(small_onnx())(p1, boxes)
    samples = inference_topdown(model, p1, boxes)
    ref = np.concatenate([s.pred_instances.keypoints for s in samples])
    ref_s = np.concatenate([s.pred_instances.keypoint_scores for s in samples])
    np.testing.assert_allclose(out['keypoints'], ref, atol=1e-3)
    np.testing.assert_allclose(out['keypoint_scores'], ref_s, atol=1e-5)
    np.testing.assert_allclose(out['bboxes'], boxes)


@pytest.mark.numeric
def test_runner_with_adnet_crop_equals_inference_topdown(tmp_path):
    """Test pipeline ``GetBBoxCenterScale(padding=1.0)`` + ``ADNetAffine``: the metadata says
    ``crop_style='adnet'`` and the runner equals ``inference_topdown`` (same bounds as above:
    ONNX Runtime's float32 kernels, measured ≤ 2e-4 px). The same file with the metadata of an
    export made before crop styles existed reads as ``'mmpose'``."""
    config, ckpt, exported = small_adnet_crop()
    (p1, b1), (_, b2) = afw_faces(2)
    boxes = np.stack([b1, b2 * 0.9 + [0, 0, 30, 0]])   # one not square
    runner = ONNXLandmarkRunner(exported)
    assert runner.info['crop_style'] == 'adnet' and runner.info['padding'] == 1.0
    out = runner(p1, boxes)
    samples = inference_topdown(init_adnet(config, ckpt, flip_test=False), p1, boxes)
    np.testing.assert_allclose(out['keypoints'],
                               np.concatenate([s.pred_instances.keypoints for s in samples]),
                               atol=1e-3)
    np.testing.assert_allclose(out['keypoint_scores'], np.concatenate(
        [s.pred_instances.keypoint_scores for s in samples]), atol=1e-5)

    old = tmp_path / 'old.onnx'
    old.write_bytes(open(exported, 'rb').read())
    info = json.loads({m.key: m.value for m in onnx.load(str(old)).metadata_props}[METADATA_KEY])
    del info['crop_style']
    embed_metadata(str(old), info)
    assert ONNXLandmarkRunner(str(old)).info['crop_style'] == 'mmpose'


def test_mmdeploy_backend_model(mmdeploy_onnx, model):
    from mmdeploy.apis import inference_model
    path = afw_faces(1)[0][0]
    pred = inference_model(SMALL_CONFIG, str(REPO / 'configs/deploy/'
                                             'pose-detection_adnet_onnxruntime_dynamic.py'),
                           [mmdeploy_onnx], path, 'cpu')[0].pred_instances
    h, w = pred.bboxes[0][3], pred.bboxes[0][2]   # mmdeploy uses the whole image
    ref = inference_topdown(model, path, np.array([[0, 0, w, h]], np.float32))[0].pred_instances
    np.testing.assert_allclose(np.asarray(pred.keypoints), ref.keypoints, atol=1e-3)
    np.testing.assert_allclose(np.asarray(pred.keypoint_scores), ref.keypoint_scores, atol=1e-5)


def test_export_rejects_mismatching_checkpoint(tmp_path):
    other = small_wflw()[1]
    assert _tool().main([SMALL_CONFIG, other, str(tmp_path / 'x.onnx'), '--route', 'torch']) == 2
    with pytest.raises(ValueError, match='does not match'):
        export_onnx(SMALL_CONFIG, other, str(tmp_path / 'x.onnx'), route='torch')
    assert not (tmp_path / 'x.onnx').exists()


@pytest.mark.slow      # the paper-size network (4 stacks, 256 px)
@pytest.mark.numeric   # ONNX Runtime and PyTorch kernels; runs once (slow: not in the reruns)
def test_paper_config_onnxruntime_equals_pytorch(tmp_path):
    """WFLW paper config (4 stacks, 256 px) via the tool: 4 real WFLW faces, batch 1 and 4."""
    config = str(REPO / 'configs/adnet/td-adnet_hg4x256_1xb32-500e_wflw-256x256.py')
    ckpt = save_checkpoint(tmp_path / 'paper.pth', config=config)
    out = str(tmp_path / 'paper.onnx')
    assert _tool().main([config, ckpt, out, '--no-check']) == 0
    model = init_adnet(config, ckpt, flip_test=False)
    root = shared_path('fixtures', 'mmpose_samples', 'wflw')
    ann = json.loads((root / 'test_wflw.json').read_text())
    files = {im['id']: str(root / im['file_name']) for im in ann['images']}
    faces = [(files[a['image_id']], np.array(a['bbox'], np.float32) + [0, 0, *a['bbox'][:2]])
             for a in ann['annotations']]
    x, runner = network_input(model, faces), ONNXLandmarkRunner(out)
    for b in (1, 4):
        with torch.no_grad():
            ref_l, ref_s = model.head.forward_with_scores(model.extract_feat(x[:b]))
        lm, sc = runner.run(x[:b].numpy())
        assert lm.shape == (b, 98, 2)
        assert np.abs(lm - ref_l.numpy()).max() < 1e-3
        assert np.abs(sc - ref_s.numpy()).max() < 1e-5
