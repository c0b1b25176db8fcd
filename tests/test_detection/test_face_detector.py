"""Face detectors: MTCNN finds the fixture faces offline with calibrated boxes; the shared
post-processing (threshold, minimum size, NMS, downscaling, grey input) of :class:`FaceDetector`;
clear errors."""
import json
import socket

import cv2
import numpy as np
import pytest

from adnet_mmpose.detection import (MTCNN_CALIBRATION, BoxCalibration, FaceDetector,
                                    MTCNNFaceDetector, build_face_detector, mtcnn)
from tests.conftest import shared_path
from tests.small_model import single_thread  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures('single_thread')


def reference_faces(n: int):
    """First ``n`` afw68 val faces: (image path, the model's face box from center / scale)."""
    root = shared_path('fixtures', 'afw68')
    ann = json.loads((root / 'val.json').read_text())
    files = {im['id']: im['file_name'] for im in ann['images']}
    out = []
    for a in ann['annotations'][:n]:
        (cx, cy), half = a['center'], 100 * a['scale']
        out.append((str(root / 'images' / files[a['image_id']]),
                    np.array([cx - half, cy - half, cx + half, cy + half], np.float32)))
    return out


def iou(a, b):
    wh = np.clip(np.minimum(a[2:4], b[2:4]) - np.maximum(a[:2], b[:2]), 0, None)
    inter = wh.prod()
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(scope='module')
def detector():
    return MTCNNFaceDetector()


@pytest.fixture
def no_network(monkeypatch):
    """Any socket use raises: nothing may be downloaded."""
    def refuse(*args, **kwargs):
        raise AssertionError('network access attempted')
    monkeypatch.setattr(socket, 'socket', refuse)
    monkeypatch.setattr(socket, 'create_connection', refuse)
    monkeypatch.setattr(socket, 'getaddrinfo', refuse)


def test_recall_on_fixture_crops_offline(no_network):
    """12 afw68 val crops, one face each: every face found, best box first, IoU >= 0.6 with the
    box the landmark model crops from (measured over all 37 val faces: min 0.66, mean 0.85,
    tools/analysis/face_detector_boxes.py eval), at most one extra box in all."""
    detector = MTCNNFaceDetector()   # built with sockets refused: weights are local
    extra = 0
    for path, ref in reference_faces(12):
        boxes = detector(cv2.imread(path))
        assert len(boxes) >= 1 and boxes.dtype == np.float32 and boxes.shape[1] == 5
        assert iou(boxes[0], ref) >= 0.6, (path, boxes[0], ref)
        assert boxes[0, 4] > 0.9 and (np.diff(boxes[:, 4]) <= 0).all()
        extra += len(boxes) - 1
    assert extra <= 1


def test_onnxruntime_networks_give_the_torch_boxes(detector):
    """On a CPU the three networks run with ONNX Runtime: the raw boxes equal those of the
    torch networks (measured on the 37 val photos: within 6.1e-5 px; bound 1e-3 px) and the
    proposal probabilities within 1e-5."""
    from adnet_mmpose.detection.mtcnn import OnnxRuntimeNet
    assert isinstance(detector.model.nets['rnet'], OnnxRuntimeNet)
    torch_model = mtcnn.MTCNN(min_face_ratio=detector.model.min_face_ratio)
    for path, _ in reference_faces(3):
        rgb = cv2.imread(path)[..., ::-1]
        ours, ref = detector.model(rgb), torch_model(rgb)
        assert ours.shape == ref.shape and len(ref)
        np.testing.assert_allclose(ours[:, :4], ref[:, :4], atol=1e-3, rtol=0)
        np.testing.assert_allclose(ours[:, 4], ref[:, 4], atol=1e-5, rtol=0)


def test_calibration_brings_boxes_to_the_landmark_box(detector):
    """The calibration (fitted on training faces) raises the IoU with the annotated box on
    validation faces: raw MTCNN boxes are larger and sit higher."""
    raw = MTCNNFaceDetector(calibration=BoxCalibration())
    gains = []
    for path, ref in reference_faces(6):
        img = cv2.imread(path)
        gains.append(iou(detector(img)[0], ref) - iou(raw(img)[0], ref))
    assert np.mean(gains) > 0.1   # measured on all 37 val faces: mean IoU 0.68 → 0.85
    box = MTCNN_CALIBRATION(np.array([[0, 0, 100, 100, .9]], np.float32))[0]
    side = MTCNN_CALIBRATION.scale * 100
    np.testing.assert_allclose(box, [50 + 0.8 - side / 2, 50 + 14.5 - side / 2,
                                     50 + 0.8 + side / 2, 50 + 14.5 + side / 2, .9], rtol=1e-6)


def test_bad_and_unusual_images(detector):
    path, ref = reference_faces(1)[0]
    img = cv2.imread(path)
    assert detector(np.full((300, 300, 3), 128, np.uint8)).shape == (0, 5)   # no face
    assert detector(np.zeros((10, 10, 3), np.uint8)).shape == (0, 5)   # below 12 px pyramid
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    for g in (grey, grey[..., None]):
        assert iou(detector(g)[0], ref) >= 0.6
    assert iou(detector(path)[0], ref) >= 0.6   # a file path
    with pytest.raises(ValueError, match=r'\.missing: cannot read the file'):
        detector(path + '.missing')
    with pytest.raises(ValueError, match=r'photo: expected an \(H, W\).*got shape \(2, 3, 4, 5\)'):
        detector(np.zeros((2, 3, 4, 5), np.uint8), 'photo')


def test_huge_image_is_downscaled_for_detection(detector):
    """8000×6000 with the face scaled ×10: found on the 1600-px copy, box in full-size pixels."""
    path, ref = reference_faces(1)[0]
    img = cv2.imread(path)
    h, w = img.shape[:2]
    big = np.zeros((6000, 8000, 3), np.uint8)
    big[1000:1000 + 10 * h, 2000:2000 + 10 * w] = cv2.resize(img, (10 * w, 10 * h))
    boxes = detector(big)
    assert len(boxes) == 1
    assert iou(boxes[0], ref * 10 + np.array([2000, 1000, 2000, 1000], np.float32)) >= 0.6


class Fixed(FaceDetector):
    """A detector returning fixed raw boxes, to test the shared post-processing."""

    def __init__(self, raw, **kwargs):
        super().__init__(**kwargs)
        self.raw = np.asarray(raw, np.float32)

    def detect_raw(self, img):
        return self.raw


def test_shared_post_processing():
    img = np.zeros((100, 200, 3), np.uint8)
    raw = [[10, 10, 50, 50, .9], [12, 12, 52, 52, .95],   # overlapping: one kept
           [100, 10, 104, 14, .99],                        # 4 px: below min_size
           [60, 60, 90, 90, .3],                           # low score
           [150, 80, 230, 160, .8],                        # past the border: kept as is
           [300, 10, 350, 50, .99], [0, 0, np.nan, 5, .99], [5, 5, 5, 9, .99]]  # dropped
    boxes = Fixed(raw, score_thr=0.5, nms_thr=0.3, min_size=10)(img)
    np.testing.assert_allclose(boxes, [[12, 12, 52, 52, .95], [150, 80, 230, 160, .8]])
    big = np.zeros((400, 800, 3), np.uint8)    # downscaled ×0.5 for detection
    boxes = Fixed([[10, 10, 50, 50, .9]], max_image_size=400)(big)
    np.testing.assert_allclose(boxes, [[20, 20, 100, 100, .9]])


def test_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match='pnet.pt do not exist'):
        mtcnn.MTCNN(weights_dir=str(tmp_path))
    monkeypatch.setattr(mtcnn.importlib.util, 'find_spec', lambda name: None)
    with pytest.raises(FileNotFoundError, match='pip install --no-deps facenet-pytorch==2.6.0'):
        MTCNNFaceDetector()
    with pytest.raises(ValueError, match='brings its own weights'):
        build_face_detector('mtcnn', checkpoint='x.pth')
    with pytest.raises(FileNotFoundError, match='--det-checkpoint'):
        build_face_detector(str(tmp_path / 'det.py'), checkpoint=str(tmp_path / 'none.pth'))


def test_crops_equal_torchs_area_interpolation(detector):
    """The R-/O-net crops, cut all at once from the picture's integral image, are what
    ``F.interpolate(mode='area')`` of each box gives (the reference cascade's resampling),
    including boxes clipped at the border and crops smaller than the output (upsampled).
    Bound 1e-5 on values in [-1, 1]: float64 sums of at most 300×400 float32 values, then
    float32 (measured 6.0e-8)."""
    import torch
    import torch.nn.functional as F
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    boxes = torch.tensor([[10.7, 20.2, 60.9, 71.5, .9], [-15., -8., 30., 37., .8],
                          [350., 250., 420., 330., .7], [100., 100., 111., 109., .6],
                          [0., 0., 400., 300., .5]])
    integral = cv2.integral(mtcnn._normalised(rgb), sdepth=cv2.CV_64F)
    ours = detector.model._crops(integral, *detector.model._in_image(boxes, 300, 400), 24)
    img = torch.from_numpy(mtcnn._normalised(rgb)).permute(2, 0, 1)
    for k, (x1, y1, x2, y2) in enumerate(boxes[:, :4].trunc().long().tolist()):
        x1, y1, x2, y2 = max(x1, 1) - 1, max(y1, 1) - 1, min(x2, 400), min(y2, 300)
        ref = F.interpolate(img[None, :, y1:y2, x1:x2], size=(24, 24), mode='area')[0]
        np.testing.assert_allclose(ours[k].numpy(), ref.numpy(), atol=1e-5, rtol=0)
