"""MMPoseInferencer (adnet_mmpose's subclass of mmpose's) with an ADNet config, offline: given
boxes, whole image, a directory, a video, the default MTCNN face detector, a local mmdet face
detector; its landmarks equal ``inference_topdown`` with the same model and boxes."""
import os.path as osp
import shutil
import socket

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmdet.structures import DetDataSample
from mmpose.apis import inference_topdown
from mmpose.apis.inferencers.utils import default_det_models

from adnet_mmpose.apis.inferencer import MMPoseInferencer
from adnet_mmpose.detection import DetInferencerAdapter, MTCNNFaceDetector
from tests.small_model import (SMALL_CONFIG, afw_faces, face_detector_checkpoint,
                               small_checkpoint, small_model)
from tests.small_model import single_thread  # noqa: F401  (fixture)

FACE_DET = default_det_models['face']['model']   # MMPose's YOLOX-s face detector config

pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def ckpt():
    return small_checkpoint()


@pytest.fixture(scope='module')
def model():
    return small_model(flip_test=True)   # as the config: the inferencer uses its test_cfg


@pytest.fixture(scope='module')
def inferencer(ckpt):
    return MMPoseInferencer(pose2d=SMALL_CONFIG, pose2d_weights=ckpt, device='cpu',
                            det_model='whole_image')


def reference(model, img, boxes):
    """(N, K, 2) landmarks and (N, K) scores of ``inference_topdown``."""
    samples = inference_topdown(model, img, np.asarray(boxes, np.float32).reshape(-1, 4))
    return (np.concatenate([s.pred_instances.keypoints for s in samples]),
            np.concatenate([s.pred_instances.keypoint_scores for s in samples]))


def landmarks(result):
    """Landmarks (N, K, 2), scores (N, K) and boxes (N, 4) of one inferencer result."""
    faces = result['predictions'][0]
    kpts = np.array([f['keypoints'] for f in faces])
    scores = np.array([f['keypoint_scores'] for f in faces])
    return kpts, scores, np.array([f['bbox'][0] for f in faces])


def whole(img_path):
    h, w = cv2.imread(img_path).shape[:2]
    return [0, 0, w, h]


def test_given_boxes_equal_inference_topdown(inferencer, model):
    faces = afw_faces(2)
    # two faces on the first image (the second one shifted), one on the second image
    boxes = [np.stack([faces[0][1], faces[0][1] + 10]), faces[1][1][None]]
    results = list(inferencer([faces[0][0], faces[1][0]], bboxes=boxes))
    assert len(results) == 2
    for (path, _), res, b in zip(faces, results, boxes):
        kpts, scores, got_boxes = landmarks(res)
        ref_k, ref_s = reference(model, path, b)
        assert kpts.shape == (len(b), 68, 2)
        # the same model on the same crops by two routes: float32 rounding only (1e-4 px; the
        # crop warp is the same OpenCV call), scores in [0, 1]: 1e-6
        np.testing.assert_allclose(got_boxes, b, atol=1e-4)
        np.testing.assert_allclose(kpts, ref_k, atol=1e-4)
        np.testing.assert_allclose(scores, ref_s, atol=1e-6)


def test_whole_image_and_directory_equal_inference_topdown(inferencer, model, tmp_path):
    paths = [p for p, _ in afw_faces(2)]
    (tmp_path / 'images').mkdir()
    for p in paths:
        shutil.copy(p, tmp_path / 'images')
    kpts, _, boxes = landmarks(next(inferencer(paths[0], vis_out_dir=str(tmp_path / 'vis'))))
    assert cv2.imread(str(tmp_path / 'vis' / osp.basename(paths[0]))) is not None   # drawn
    np.testing.assert_allclose(boxes, [whole(paths[0])])
    np.testing.assert_allclose(kpts, reference(model, paths[0], whole(paths[0]))[0], atol=1e-4)
    results = list(inferencer(str(tmp_path / 'images')))
    assert len(results) == len(paths) == 2
    for path, res in zip(sorted((tmp_path / 'images').iterdir()), results):
        ref = reference(model, str(path), whole(str(path)))[0]
        np.testing.assert_allclose(landmarks(res)[0], ref, atol=1e-4)


def test_video_frames_equal_inference_topdown(inferencer, model, tmp_path):
    img = cv2.imread(afw_faces(1)[0][0])
    video = str(tmp_path / 'faces.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 5,
                             (img.shape[1], img.shape[0]))
    for shift in (0, 8):
        writer.write(np.roll(img, shift, axis=1))
    writer.release()
    results = list(inferencer(video))
    capture, frames = cv2.VideoCapture(video), []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    assert len(results) == len(frames) == 2
    for frame, res in zip(frames, results):
        h, w = frame.shape[:2]
        np.testing.assert_allclose(landmarks(res)[0], reference(model, frame, [0, 0, w, h])[0],
                                   atol=1e-4)


def test_default_face_detector_is_offline_mtcnn(ckpt, model, monkeypatch):
    """det_model=None is MTCNN, built and run with sockets refused; its boxes give the landmarks
    of inference_topdown on the same boxes. An mmdet config never downloads its weights."""
    def refuse(*args, **kwargs):
        raise AssertionError('network access attempted')
    monkeypatch.setattr(socket, 'socket', refuse)
    monkeypatch.setattr(socket, 'create_connection', refuse)
    monkeypatch.setattr(torch.hub, 'download_url_to_file', refuse)
    inf = MMPoseInferencer(pose2d=SMALL_CONFIG, pose2d_weights=ckpt, device='cpu')
    assert isinstance(inf.inferencer.detector, DetInferencerAdapter)
    path, _ = afw_faces(1)[0]
    kpts, _, boxes = landmarks(next(inf(path)))
    np.testing.assert_allclose(boxes, MTCNNFaceDetector()(path)[:, :4], atol=1e-4)
    np.testing.assert_allclose(kpts, reference(model, path, boxes)[0], atol=1e-4)
    with pytest.raises(ValueError, match='brings its own weights'):
        MMPoseInferencer(pose2d=SMALL_CONFIG, pose2d_weights=ckpt, device='cpu',
                         det_model='mtcnn', det_weights='x.pth')
    monkeypatch.setenv('TORCH_HOME', str(ckpt) + '.no_cache')
    with pytest.raises(FileNotFoundError, match=r"det_weights.*det_model='whole_image'"):
        MMPoseInferencer(pose2d=SMALL_CONFIG, pose2d_weights=ckpt, device='cpu',
                         det_model=FACE_DET, det_weights=default_det_models['face']['weights'])
    with pytest.raises(FileNotFoundError, match='det_weights'):
        MMPoseInferencer(pose2d=SMALL_CONFIG, pose2d_weights=ckpt, device='cpu',
                         det_model=FACE_DET, det_weights=str(ckpt) + '.missing')


def test_face_detector_with_local_weights(ckpt, model):
    det_weights = face_detector_checkpoint()
    inf = MMPoseInferencer(pose2d=SMALL_CONFIG, pose2d_weights=ckpt, device='cpu',
                           det_model=FACE_DET, det_weights=det_weights)
    name, weight = next(iter(torch.load(det_weights)['state_dict'].items()))
    torch.testing.assert_close(inf.inferencer.detector.model.state_dict()[name], weight)
    assert inf.inferencer.det_cat_ids == (0, )
    path, box = afw_faces(1)[0]

    def one_face(inputs, **kwargs):   # the detector's output format, one face box
        sample = DetDataSample(pred_instances=InstanceData(
            bboxes=torch.tensor(box[None]), scores=torch.tensor([0.9]),
            labels=torch.tensor([0])))
        return dict(predictions=[sample])
    inf.inferencer.detector = one_face   # random weights find no faces: fix the output
    kpts, _, boxes = landmarks(next(inf(path)))
    np.testing.assert_allclose(boxes, box[None], atol=1e-4)
    np.testing.assert_allclose(kpts, reference(model, path, box)[0], atol=1e-4)


def test_bad_checkpoint_and_box(ckpt, inferencer, tmp_path):
    state = torch.load(ckpt, weights_only=False)
    first = next(iter(state['state_dict']))
    state['state_dict'][first] = state['state_dict'][first][:1]
    state['state_dict'].pop(list(state['state_dict'])[-1])
    torch.save(state, tmp_path / 'other.pth')
    with pytest.raises(ValueError, match='does not match.*1 missing.*1 of another shape'):
        MMPoseInferencer(pose2d=SMALL_CONFIG, pose2d_weights=str(tmp_path / 'other.pth'),
                         device='cpu', det_model='whole_image')
    with pytest.raises(FileNotFoundError, match='pose2d_weights'):
        MMPoseInferencer(pose2d=SMALL_CONFIG, pose2d_weights=str(tmp_path / 'none.pth'),
                         device='cpu', det_model='whole_image')
    path = afw_faces(1)[0][0]
    with pytest.raises(ValueError, match='outside'):
        next(inferencer(path, bboxes=[[[1000, 1000, 1100, 1100]]]))
