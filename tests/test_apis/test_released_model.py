"""The released 68-point model: its checkpoint loads safely through every entry point, carries
its dataset metainfo, and keeps the accuracy ``configs/adnet/metafile.yml`` states for it on the
AFW validation faces, with annotated boxes and end to end with the default detector."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from adnet_mmpose.apis import FaceLandmarker, released_model as released
from tests.conftest import REPO, shared_path
from tests.small_model import single_thread  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures('single_thread')


def metafile_entry() -> dict:
    models = yaml.safe_load((REPO / 'configs/adnet/metafile.yml').read_text())['Models']
    name = released.RELEASED_NAME
    entry = [m for m in models if m['Name'] == name]
    assert len(entry) == 1, f'metafile.yml lists no model named {name}'
    return entry[0]


def test_metafile_points_at_the_released_files():
    entry = metafile_entry()
    assert (REPO / entry['Weights']).resolve() == Path(released.RELEASED_CHECKPOINT).resolve()
    assert (REPO / entry['Config']).resolve() == Path(released.RELEASED_CONFIG).resolve()


def test_checkpoint_is_weights_only_with_metainfo():
    ckpt = torch.load(released.RELEASED_CHECKPOINT, map_location='cpu', weights_only=True)
    meta = ckpt['meta']['dataset_meta']
    assert meta['num_keypoints'] == 68 and meta['dataset_name'] == '300w'
    assert 'optimizer' not in ckpt    # a release holds the (EMA) weights only


def test_mmpose_init_model_loads_it():
    from mmpose.apis import init_model
    model = init_model(released.RELEASED_CONFIG, released.RELEASED_CHECKPOINT, device='cpu')
    assert model.dataset_meta['num_keypoints'] == 68


@pytest.fixture(scope='module')
def scores():
    spec = importlib.util.spec_from_file_location(
        'eval_end_to_end', REPO / 'tools' / 'analysis' / 'eval_end_to_end.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    faces = tool.load_annotations(str(shared_path('fixtures', 'afw68', 'val.json')))
    return tool.evaluate(FaceLandmarker(device='cpu'), faces)


def test_accuracy_matches_the_metafile(scores):
    stated = {r['Note'].split(':')[0]: r['Metrics'] for r in metafile_entry()['Results']}
    # The tolerance, 0.2 % NME. Differences between CPUs / thread counts move the
    # landmarks by ~1e-3 px (float32 reduction order), i.e. ~1e-5 NME: far inside it.
    assert 100 * scores['gt-box']['NME'] == pytest.approx(stated['annotated boxes']['NME'],
                                                          abs=0.2)
    assert 100 * scores['detector']['NME'] == pytest.approx(stated['detector boxes']['NME'],
                                                            abs=0.2)
    # the detector finds every face of the validation crops (README table: 37/37)
    assert scores['detector']['recall'] == 1.0
    assert np.isfinite(scores['detector']['AUC@0.1'])


def test_inferencer_and_demo_give_facelandmarkers_landmarks(tmp_path):
    """The released checkpoint through adnet_mmpose's MMPoseInferencer and the demo (no
    --config: its default) equals FaceLandmarker on the same face; 1e-3 px is the landmark
    tolerance used throughout (the same crop by several routes: float32 rounding only)."""
    from adnet_mmpose.apis.inferencer_utils import MMPoseInferencer
    path = str(shared_path('fixtures', 'afw68', 'images', '2086996835_1.jpg'))
    (face, ) = FaceLandmarker(device='cpu')(path)
    inf = MMPoseInferencer(pose2d=released.RELEASED_CONFIG,
                           pose2d_weights=released.RELEASED_CHECKPOINT, device='cpu')
    pred = next(inf(path, bboxes=[face['bbox'][None]]))['predictions'][0][0]
    np.testing.assert_allclose(pred['keypoints'], face['keypoints'], atol=1e-3)

    spec = importlib.util.spec_from_file_location('adnet_demo', REPO / 'demo/adnet_demo.py')
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    assert demo.main([path, '--out-dir', str(tmp_path)]) == 0
    (res, ) = json.loads((tmp_path / 'predictions.json').read_text())['results']
    (dface, ) = res['faces']
    np.testing.assert_allclose(dface['landmarks'], face['keypoints'], atol=1e-3)
