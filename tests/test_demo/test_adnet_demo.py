"""demo/adnet_demo.py: pictures + JSON equal to ``inference_topdown``, the default MTCNN
detector ("no face found" reported per input), video tracking and on ONNX Runtime,
``--wflw-to-68``, and bad inputs reported while the other inputs are still processed."""
import json

import cv2
import numpy as np
import pytest
from mmpose.apis import inference_topdown
from mmpose.apis.inferencers.utils import default_det_models

from adnet_mmpose.apis import init_adnet
from adnet_mmpose.datasets.layouts import WFLW_TO_300W
from tests.conftest import load_script, shared_path
from tests.small_model import (SMALL_CONFIG, afw_faces, face_detector_checkpoint,
                               small_checkpoint, small_model, small_onnx, small_wflw)
from tests.small_model import single_thread  # noqa: F401  (fixture)

demo = load_script('demo/adnet_demo.py')

pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def ckpt():
    return small_checkpoint()


def run(tmp_path, *args):
    code = demo.main([*map(str, args), '--out-dir', str(tmp_path / 'out')])
    out = tmp_path / 'out' / 'predictions.json'
    return code, json.loads(out.read_text()) if out.exists() else None


def reference(model, img, box):
    return inference_topdown(model, img, np.asarray(box, np.float32)[None])[0].pred_instances


def test_pictures_and_json(ckpt, tmp_path):
    (p1, b1), (p2, _) = afw_faces(2)
    (tmp_path / 'boxes.json').write_text(json.dumps({p1.rsplit('/', 1)[1]: [b1.tolist()]}))
    code, pred = run(tmp_path, p1, p2, '--config', SMALL_CONFIG, '--checkpoint', ckpt,
                     '--bboxes', tmp_path / 'boxes.json', '--whole-image')
    assert code == 0 and pred['errors'] == []
    model = small_model(flip_test=True)   # as the config
    for res, path in zip(pred['results'], (p1, p2)):
        img = cv2.imread(path)
        pic = cv2.imread(res['visualization'])
        assert pic.shape == img.shape and np.abs(pic.astype(int) - img).max() > 100   # drawn on
        (face, ) = res['faces']
        box = b1 if path == p1 else [0, 0, img.shape[1], img.shape[0]]
        # the same model on the same crop by two routes: float32 rounding only; 1e-3 px is the
        # landmark tolerance used throughout (scores in [0, 1]: 1e-4)
        np.testing.assert_allclose(face['bbox'], box, atol=1e-3)
        ref = reference(model, path, box)
        np.testing.assert_allclose(face['landmarks'], ref.keypoints[0], atol=1e-3)
        np.testing.assert_allclose(face['scores'], ref.keypoint_scores[0], atol=1e-4)


def test_bad_inputs_reported_others_processed(ckpt, tmp_path):
    (good, _), (other, _) = afw_faces(2)
    (tmp_path / 'broken.jpg').write_bytes(b'not an image')
    (tmp_path / 'broken.mp4').write_bytes(b'not a video')
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'boxes.json').write_text(json.dumps({other: [[900, 900, 990, 990]]}))
    code, pred = run(tmp_path, tmp_path / 'broken.jpg', tmp_path / 'broken.mp4',
                     tmp_path / 'empty', tmp_path / 'missing.png', other, '9', good,
                     '--config', SMALL_CONFIG, '--checkpoint', ckpt,
                     '--bboxes', tmp_path / 'boxes.json')
    assert code == 1
    assert [r['input'] for r in pred['results']] == [good]
    errors = {e['input'].rsplit('/', 1)[-1]: e['error'] for e in pred['errors']}
    assert 'not a readable image' in errors['broken.jpg']
    assert 'cannot open the video' in errors['broken.mp4']
    assert 'directory has no images' in errors['empty']
    assert 'no such file' in errors['missing.png']
    assert 'lies outside the' in errors[other.rsplit('/', 1)[-1]]
    assert 'cannot open the webcam' in errors['9']


def test_bad_model_or_detector_stops_with_message(ckpt, tmp_path, capsys):
    wflw = small_wflw()[1]
    img = afw_faces(1)[0][0]
    assert run(tmp_path, img, '--config', SMALL_CONFIG, '--checkpoint', wflw)[0] == 2
    assert 'does not match' in capsys.readouterr().err
    assert run(tmp_path, img, '--config', SMALL_CONFIG, '--checkpoint', ckpt,
               '--det-config', default_det_models['face']['model'])[0] == 2
    assert '--det-checkpoint' in capsys.readouterr().err
    assert run(tmp_path, img, '--config', SMALL_CONFIG, '--checkpoint', ckpt,
               '--wflw-to-68')[0] == 2
    assert 'needs a 98-landmark WFLW model' in capsys.readouterr().err


def test_face_detector(ckpt, tmp_path):
    """The detector runs on every image; boxes come from it (random weights: no face)."""
    path = afw_faces(1)[0][0]
    code, pred = run(tmp_path, path, '--config', SMALL_CONFIG, '--checkpoint', ckpt,
                     '--det-config', default_det_models['face']['model'],
                     '--det-checkpoint', face_detector_checkpoint())
    assert code == 0 and pred['results'][0]['faces'] == []
    assert cv2.imread(pred['results'][0]['visualization']).shape == cv2.imread(path).shape


def test_default_detector_and_no_face(ckpt, tmp_path, capsys):
    """Without boxes the demo runs MTCNN: one face on a fixture crop, and an image without a
    face is reported as such (not replaced by the whole image)."""
    (path, box), = afw_faces(1)
    cv2.imwrite(str(tmp_path / 'blank.png'), np.full((120, 160, 3), 90, np.uint8))
    code, pred = run(tmp_path, path, tmp_path / 'blank.png', '--config', SMALL_CONFIG,
                     '--checkpoint', ckpt)
    assert code == 0 and pred['model']['detector'] == 'MTCNNFaceDetector'
    face, blank = pred['results']
    assert len(face['faces']) == 1 and 'note' not in face
    centre = (np.asarray(face['faces'][0]['bbox'][:2]) + face['faces'][0]['bbox'][2:]) / 2
    assert np.abs(centre - (box[:2] + box[2:]) / 2).max() < 0.15 * (box[2] - box[0])
    assert blank['faces'] == [] and blank['note'] == 'no face found'
    assert 'blank.png: no face found' in capsys.readouterr().err


def test_video_tracking(ckpt, tmp_path, capsys):
    """A video with the detector: detection on frame 0 and every --redetect-every frames, the
    crops of the other frames follow the landmarks; frames/s reported."""
    img = cv2.imread(afw_faces(1)[0][0])
    video = str(tmp_path / 'faces.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 5,
                             (img.shape[1], img.shape[0]))
    for shift in range(0, 20, 4):
        writer.write(np.roll(img, shift, axis=1))
    writer.release()
    code, pred = run(tmp_path, video, '--config', SMALL_CONFIG, '--checkpoint', ckpt,
                     '--redetect-every', 3, '--track-min-score', -1, '--smooth', 0.3)
    assert code == 0
    (res, ) = pred['results']
    assert [f['tracked'] for f in res['frames']] == [False, True, True, False, True]
    assert res['detector_frames'] == 2 and res['frames_without_face'] == 0
    assert res['processing_fps'] > 0
    assert 'frames/s' in capsys.readouterr().err


def test_video_on_onnxruntime(tmp_path):
    onnx_file = small_onnx()
    img = cv2.imread(afw_faces(1)[0][0])
    video = str(tmp_path / 'faces.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 5,
                             (img.shape[1], img.shape[0]))
    for shift in (0, 6, 12):
        writer.write(np.roll(img, shift, axis=0))
    writer.release()
    code, pred = run(tmp_path, video, '--backend', 'onnxruntime', '--onnx', onnx_file,
                     '--whole-image')
    assert code == 0
    (res, ) = pred['results']
    assert res['type'] == 'video' and len(res['frames']) == 3
    assert cv2.VideoCapture(res['visualization']).get(cv2.CAP_PROP_FRAME_COUNT) == 3
    ok, frame = cv2.VideoCapture(video).read()
    ref = reference(small_model(flip_test=False), frame, [0, 0, frame.shape[1], frame.shape[0]])
    # ONNX Runtime against PyTorch (two kernel libraries): 2e-3 px, twice the export test's bound
    np.testing.assert_allclose(res['frames'][0]['faces'][0]['landmarks'], ref.keypoints[0],
                               atol=2e-3)


def test_wflw_to_68(tmp_path):
    config, ckpt = small_wflw()
    path = str(shared_path('fixtures', 'mmpose_samples', 'wflw', '7_Cheering_Cheering_7_16.jpg'))
    code, pred = run(tmp_path, path, '--config', config, '--checkpoint', ckpt, '--wflw-to-68',
                     '--whole-image')
    assert code == 0 and pred['model']['layout'] == '300w (from wflw)'
    (face, ) = pred['results'][0]['faces']
    h, w = cv2.imread(path).shape[:2]
    ref = reference(init_adnet(config, ckpt), path, [0, 0, w, h])
    np.testing.assert_allclose(face['landmarks'], ref.keypoints[0][WFLW_TO_300W], atol=1e-3)
    np.testing.assert_allclose(face['scores'], ref.keypoint_scores[0][WFLW_TO_300W], atol=1e-4)


def test_fast_path_equals_inference_topdown_without_flip(ckpt, tmp_path):
    """--fast: box → crop → FastLandmarkModel → image, equal to MMPose's pipeline (no flip)."""
    (p1, b1), = afw_faces(1)
    (tmp_path / 'boxes.json').write_text(json.dumps({p1.rsplit('/', 1)[1]: [b1.tolist()]}))
    code, pred = run(tmp_path, p1, '--config', SMALL_CONFIG, '--checkpoint', ckpt,
                     '--bboxes', tmp_path / 'boxes.json', '--fast', 'eager', '--fast-batch', 2)
    assert code == 0 and pred['errors'] == []
    ref = reference(small_model(flip_test=False), p1, b1)
    (face, ) = pred['results'][0]['faces']
    np.testing.assert_allclose(face['landmarks'], ref.keypoints[0], atol=1e-3)
    np.testing.assert_allclose(face['scores'], ref.keypoint_scores[0], atol=1e-4)


def test_fast_cuda_only_options_on_cpu_are_clear_errors(ckpt, tmp_path, capsys):
    import torch
    if torch.cuda.is_available():
        pytest.skip('this machine has CUDA')
    (p1, _), = afw_faces(1)
    for option in (['--fast', 'cuda_graph'], ['--fast', 'eager', '--fast-dtype', 'bf16']):
        code, _ = run(tmp_path, p1, '--config', SMALL_CONFIG, '--checkpoint', ckpt, *option)
        err = capsys.readouterr().err
        assert code == 2 and 'error:' in err and option[-1] in err, err
