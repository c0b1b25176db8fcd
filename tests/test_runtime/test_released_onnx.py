"""The ``.onnx`` shipped beside the released checkpoint: written from that very checkpoint
(recorded hash), equal to PyTorch on real faces with and without flip test, the default of
``FaceLandmarker`` on a CPU; other models are exported once into the user cache."""
import json
import shutil

import cv2
import numpy as np
import pytest

from adnet_mmpose.apis import FaceLandmarker, init_adnet
from adnet_mmpose.apis import onnx_model
from adnet_mmpose.apis.face_landmarker import (RELEASED_CHECKPOINT, RELEASED_CONFIG,
                                               RELEASED_ONNX)
from adnet_mmpose.runtime.backends.onnxruntime import ONNXLandmarkRunner
from adnet_mmpose.runtime.backends.pytorch import TorchBackend
from adnet_mmpose.runtime.topdown import landmarks_in_boxes
from adnet_mmpose.utils.bbox import annotation_box
from tests.conftest import shared_path
from tests.small_model import SMALL_CONFIG, small_checkpoint
from tests.small_model import single_thread  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures('single_thread')

#: The issue's equality bound for the ONNX Runtime backend, in pixels. Measured on the 37 afw68
#: val faces: at most 6.1e-5 px with and without flip test (float32 reduction order).
ATOL_PX = 1e-3


def test_shipped_onnx_was_written_from_the_released_checkpoint():
    assert onnx_model.recorded_source(RELEASED_ONNX) == onnx_model.source_record(
        RELEASED_CONFIG, RELEASED_CHECKPOINT), (
        f'{RELEASED_ONNX} is stale: run python tools/deploy/export_released_onnx.py')


def test_source_record_does_not_depend_on_where_the_checkout_lies(tmp_path):
    """CI runs in another directory than a developer: a copy of ``configs/`` elsewhere must
    give the same record (the config names its metainfo file by absolute path)."""
    configs = RELEASED_CONFIG.split('/configs/')[0] + '/configs'
    shutil.copytree(configs, tmp_path / 'configs')
    moved = str(tmp_path / 'configs' / RELEASED_CONFIG.split('/configs/')[1])
    assert onnx_model.source_record(moved, RELEASED_CHECKPOINT) == onnx_model.source_record(
        RELEASED_CONFIG, RELEASED_CHECKPOINT)


@pytest.fixture(scope='module')
def faces():
    """12 afw68 val faces: (BGR image, annotated box (1, 5))."""
    root = shared_path('fixtures', 'afw68')
    data = json.loads((root / 'val.json').read_text())
    files = {im['id']: im['file_name'] for im in data['images']}
    return [(cv2.imread(str(root / 'images' / files[a['image_id']])),
             np.append(annotation_box(a['center'], a['scale']), 1.)[None].astype(np.float32))
            for a in data['annotations'][:12]]


@pytest.mark.parametrize('flip', [True, False])
def test_shipped_onnx_equals_pytorch(faces, flip):
    model = init_adnet(RELEASED_CONFIG, RELEASED_CHECKPOINT)
    torch_backend = TorchBackend(model, flip_test=flip)
    runner = ONNXLandmarkRunner(RELEASED_ONNX, flip_test=flip)
    for img, box in faces:
        ref_k, ref_s = landmarks_in_boxes(torch_backend, img, box)
        k, s = landmarks_in_boxes(runner, img, box)
        np.testing.assert_allclose(k, ref_k, atol=ATOL_PX, rtol=0)
        np.testing.assert_allclose(s, ref_s, atol=1e-5, rtol=0)   # scores in [0, 1]


def test_facelandmarker_default_is_the_shipped_onnx_with_the_configs_flip_test(faces):
    """On a CPU the default backend is ONNX Runtime on the shipped file, with the released
    config's flip test (the model's stated accuracy is measured with it)."""
    fl = FaceLandmarker(detector=None)
    assert fl.backend_name == 'onnxruntime'
    assert fl.backend.onnx_file == RELEASED_ONNX
    assert fl.backend.flip_indices is not None
    model = init_adnet(RELEASED_CONFIG, RELEASED_CHECKPOINT)
    img, box = faces[0]
    np.testing.assert_allclose(fl.landmarks(img, box)[0],
                               landmarks_in_boxes(TorchBackend(model), img, box)[0],
                               atol=ATOL_PX, rtol=0)


def test_other_models_are_exported_once_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(onnx_model.CACHE_ENV, str(tmp_path / 'cache'))
    stale = tmp_path / 'shipped.onnx'
    shutil.copy(RELEASED_ONNX, stale)     # recorded for another checkpoint: not used
    exports = []
    real = onnx_model.export_with_source
    monkeypatch.setattr(onnx_model, 'export_with_source',
                        lambda *a, **k: exports.append(a) or real(*a, **k))
    first = onnx_model.onnx_for(SMALL_CONFIG, small_checkpoint(), shipped=str(stale))
    second = onnx_model.onnx_for(SMALL_CONFIG, small_checkpoint(), shipped=str(stale))
    assert first == second and first.startswith(str(tmp_path / 'cache'))
    assert len(exports) == 1
    assert onnx_model.recorded_source(first) == onnx_model.source_record(SMALL_CONFIG,
                                                                         small_checkpoint())
