"""The released 68-point model: its checkpoint holds every weight of its config's network and
loads safely through every entry point (``init_adnet``, mmpose's ``init_model``, the
inferencer, the demo), carries its dataset metainfo, and keeps the accuracy
``configs/adnet/metafile.yml`` states for it on the AFW validation faces, with annotated boxes
and end to end with the default detector. The checkpoint may be replaced (same path): nothing
here hard-codes its landmarks; the accuracy bounds are the metafile's figures."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from mmengine.config import Config
from mmpose.apis import inference_topdown, init_model
from mmpose.registry import MODELS

from adnet_mmpose.apis import FaceLandmarker, MMPoseInferencer, init_adnet
from adnet_mmpose.apis.face_landmarker import (RELEASED_CHECKPOINT, RELEASED_CONFIG,
                                               RELEASED_NAME)
from adnet_mmpose.evaluation.functional import face_alignment_nme
from adnet_mmpose.utils.bbox import annotation_box
from tests.conftest import REPO, load_script, shared_path
from tests.small_model import single_thread  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures('single_thread')

#: The landmark tolerance used throughout (the same crop by several routes: float32 rounding).
LANDMARK_ATOL_PX = 1e-3
#: The issue's tolerance on the stated NME, in NME %. Differences between CPUs / thread counts
#: move the landmarks by ~1e-3 px (float32 reduction order), i.e. ~1e-5 NME: far inside it.
NME_TOL = 0.2


def metafile_entry() -> dict:
    models = yaml.safe_load((REPO / 'configs/adnet/metafile.yml').read_text())['Models']
    entry = [m for m in models if m['Name'] == RELEASED_NAME]
    assert len(entry) == 1, f'metafile.yml lists no model named {RELEASED_NAME}'
    return entry[0]


def test_metafile_points_at_the_released_files():
    entry = metafile_entry()
    assert (REPO / entry['Weights']).resolve() == Path(RELEASED_CHECKPOINT).resolve()
    assert (REPO / entry['Config']).resolve() == Path(RELEASED_CONFIG).resolve()


def stated_nme() -> dict:
    """The metafile's figures by their note's label: ``annotated boxes`` / ``detector boxes``."""
    return {r['Note'].split(':')[0]: r['Metrics'] for r in metafile_entry()['Results']}


def test_checkpoint_is_weights_only_with_metainfo():
    ckpt = torch.load(RELEASED_CHECKPOINT, map_location='cpu', weights_only=True)
    meta = ckpt['meta']['dataset_meta']
    assert meta['num_keypoints'] == 68 and meta['dataset_name'] == '300w'
    assert 'optimizer' not in ckpt    # a release holds the (EMA) weights only


def test_checkpoint_holds_every_weight_of_the_config():
    """Strict: the config's network and the checkpoint have the same tensors and shapes (a
    non-strict loader such as mmpose's init_model would leave missing ones random)."""
    model = MODELS.build(Config.fromfile(RELEASED_CONFIG).model)
    want = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    state = torch.load(RELEASED_CHECKPOINT, map_location='cpu', weights_only=True)['state_dict']
    assert {k: tuple(v.shape) for k, v in state.items()} == want


@pytest.fixture(scope='module')
def val_faces():
    """The AFW validation faces: (image path, annotated box x1 y1 x2 y2, landmarks (68, 2));
    the box is the annotation's center/scale square, the one tools/test.py crops."""
    root = shared_path('fixtures', 'afw68')
    data = json.loads((root / 'val.json').read_text())
    files = {im['id']: im['file_name'] for im in data['images']}
    return [(str(root / 'images' / files[a['image_id']]), annotation_box(a['center'], a['scale']),
             np.array(a['keypoints'], np.float64).reshape(-1, 3)[:, :2])
            for a in sorted(data['annotations'], key=lambda a: a['id'])]


def topdown_landmarks(model, faces) -> np.ndarray:
    """(N, 68, 2) image-pixel landmarks of ``model`` through mmpose's ``inference_topdown``."""
    out = [inference_topdown(model, path, box[None])[0].pred_instances.keypoints[0]
           for path, box, _ in faces]
    return np.stack(out)


def annotated_box_nme(model, faces) -> float:
    """Mean inter-ocular NME (%) with the annotated boxes."""
    pred = topdown_landmarks(model, faces)
    return 100 * face_alignment_nme(pred, np.stack([f[2] for f in faces]), '300w')[0].mean()


@pytest.fixture(scope='module')
def mmpose_model():
    return init_model(RELEASED_CONFIG, RELEASED_CHECKPOINT, device='cpu')


def test_mmpose_init_model_gives_init_adnets_landmarks(mmpose_model, val_faces):
    """The same checkpoint through mmpose's init_model and through init_adnet (strict) gives
    the same landmarks on a fixture face (a partial load would leave random weights: pixels
    off)."""
    assert mmpose_model.dataset_meta['num_keypoints'] == 68
    ours = init_adnet(RELEASED_CONFIG, RELEASED_CHECKPOINT, device='cpu')
    face = val_faces[:1]
    np.testing.assert_allclose(topdown_landmarks(mmpose_model, face),
                               topdown_landmarks(ours, face), atol=LANDMARK_ATOL_PX, rtol=0)


def test_mmpose_init_model_is_as_accurate_as_stated(mmpose_model, val_faces):
    """NME with the annotated boxes through mmpose's init_model + inference_topdown is the
    metafile's (tools/test.py runs the same test pipeline on the same boxes); random weights
    of the same network miss it by far (> 3×: measured 69-78 % NME on these 8 faces for
    random seeds 0, 1, 2)."""
    stated = stated_nme()['annotated boxes']['NME']
    assert annotated_box_nme(mmpose_model, val_faces) == pytest.approx(stated, abs=NME_TOL)

    torch.manual_seed(0)
    random = MODELS.build(Config.fromfile(RELEASED_CONFIG).model).eval()
    random.cfg, random.dataset_meta = mmpose_model.cfg, mmpose_model.dataset_meta
    assert annotated_box_nme(random, val_faces[:8]) > 3 * stated


@pytest.fixture(scope='module')
def scores():
    tool = load_script('tools/analysis/eval_end_to_end.py')
    faces = tool.load_annotations(str(shared_path('fixtures', 'afw68', 'val.json')))
    return tool.evaluate(FaceLandmarker(device='cpu'), faces)


def test_accuracy_matches_the_metafile(scores):
    stated = stated_nme()
    assert 100 * scores['gt-box']['NME'] == pytest.approx(stated['annotated boxes']['NME'],
                                                          abs=NME_TOL)
    assert 100 * scores['detector']['NME'] == pytest.approx(stated['detector boxes']['NME'],
                                                            abs=NME_TOL)
    # the detector finds every face of the validation crops (README table: 37/37)
    assert scores['detector']['recall'] == 1.0
    assert np.isfinite(scores['detector']['AUC@0.1'])


def test_inferencer_and_demo_give_facelandmarkers_landmarks(tmp_path):
    """The released checkpoint through adnet_mmpose's MMPoseInferencer and the demo (no
    --config: its default) equals FaceLandmarker on the same face (LANDMARK_ATOL_PX)."""
    path = str(shared_path('fixtures', 'afw68', 'images', '2086996835_1.jpg'))
    (face, ) = FaceLandmarker(device='cpu')(path)
    inf = MMPoseInferencer(pose2d=RELEASED_CONFIG, pose2d_weights=RELEASED_CHECKPOINT,
                           device='cpu')
    pred = next(inf(path, bboxes=[face['bbox'][None]]))['predictions'][0][0]
    np.testing.assert_allclose(pred['keypoints'], face['keypoints'], atol=LANDMARK_ATOL_PX)

    demo = load_script('demo/adnet_demo.py')
    assert demo.main([path, '--out-dir', str(tmp_path)]) == 0
    (res, ) = json.loads((tmp_path / 'predictions.json').read_text())['results']
    (dface, ) = res['faces']
    np.testing.assert_allclose(dface['landmarks'], face['keypoints'], atol=LANDMARK_ATOL_PX)
