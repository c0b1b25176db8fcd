"""Face detectors behind one small interface: an image in, (N, 5) face boxes out.

:class:`FaceDetector` does what every detector needs (grey / BGRA input, downscaling huge
images for detection, score threshold, minimum face size, NMS, a box calibration to the crop
convention of the landmark models); subclasses only implement :meth:`FaceDetector.detect_raw`.
Two detectors plug in: :class:`~adnet_mmpose.detection.mtcnn.MTCNNFaceDetector` (the offline
default, weights from the PyPI package ``facenet-pytorch``) and
:class:`~adnet_mmpose.detection.mmdet.MMDetFaceDetector` (an mmdet config with local weights).
:func:`build_face_detector` turns a name (:data:`DETECTOR_NAMES`) or a config into one.
"""
from dataclasses import dataclass
from typing import Optional, Union

import cv2
import numpy as np

from adnet_mmpose.runtime.images import as_bgr
from adnet_mmpose.utils.bbox import nms


@dataclass(frozen=True)
class BoxCalibration:
    """A detector's box → the face box convention the landmark models were trained with.

    The target is the square box mmpose's ``Face300WDataset`` derives from a 300-W annotation
    (centre ``center``, side ``200·scale``: about the tight box of the 68 landmarks, made
    square), which the models' ``GetBBoxCenterScale`` then pads by 1.25. For a detector box of
    centre (cx, cy) and size w × h the calibrated box is the square of side
    ``scale · (w + h) / 2`` centred at ``(cx + dx · w, cy + dy · h)``.
    """
    scale: float = 1.
    dx: float = 0.
    dy: float = 0.

    def __call__(self, boxes: np.ndarray) -> np.ndarray:
        """(N, 5) boxes → (N, 5) calibrated boxes (scores kept)."""
        out = boxes.astype(np.float32, copy=True)
        w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        cx = (boxes[:, 0] + boxes[:, 2]) / 2 + self.dx * w
        cy = (boxes[:, 1] + boxes[:, 3]) / 2 + self.dy * h
        half = self.scale * (w + h) / 4
        out[:, :4] = np.stack([cx - half, cy - half, cx + half, cy + half], 1)
        return out


class FaceDetector:
    """Base of the face detectors: ``detector(img)`` → (N, 5) float32 ``x1, y1, x2, y2,
    score`` in the image's pixels, best first.

    A box may extend past the image border (a face cut by the border keeps its size; the crop
    is padded as in training); boxes that are not finite, empty or entirely outside the image
    are dropped.

    Args:
        score_thr: keep boxes scoring above this.
        nms_thr: IoU above which the lower-scoring of two boxes is dropped.
        min_size: smallest face side kept, in image pixels (after calibration).
        max_image_size: images whose longer side exceeds this are downscaled to it for
            detection (boxes are mapped back; the landmarks are still cropped from the full
            image). None: never.
        calibration: maps the raw boxes to the landmark models' face box convention.
    """

    def __init__(self, score_thr: float = 0.5, nms_thr: float = 0.3, min_size: float = 0.,
                 max_image_size: Optional[int] = 1600,
                 calibration: BoxCalibration = BoxCalibration()):
        self.score_thr, self.nms_thr, self.min_size = score_thr, nms_thr, min_size
        self.max_image_size, self.calibration = max_image_size, calibration

    def detect_raw(self, img: np.ndarray) -> np.ndarray:
        """(N, 5) boxes with scores of a (H, W, 3) uint8 BGR image, in its pixels."""
        raise NotImplementedError

    def __call__(self, img, source: str = 'image') -> np.ndarray:
        img = as_bgr(img, source)
        h, w = img.shape[:2]
        factor = 1.
        if self.max_image_size and max(h, w) > self.max_image_size:
            factor = self.max_image_size / max(h, w)
            img = cv2.resize(img, (max(1, round(w * factor)), max(1, round(h * factor))),
                             interpolation=cv2.INTER_AREA)
        boxes = np.asarray(self.detect_raw(img), np.float32).reshape(-1, 5)
        boxes[:, :4] /= factor
        boxes = self.calibration(boxes[np.isfinite(boxes).all(1)])
        size = np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        keep = ((boxes[:, 4] > self.score_thr) & (size > 0) & (size >= self.min_size)
                & (boxes[:, 2] > 0) & (boxes[:, 3] > 0) & (boxes[:, 0] < w) & (boxes[:, 1] < h))
        boxes = boxes[keep]
        return boxes[nms(boxes, self.nms_thr)]


#: The detector names :func:`build_face_detector` knows (besides an mmdet config path):
#: ``'mtcnn'`` (:class:`~adnet_mmpose.detection.mtcnn.MTCNNFaceDetector`) and ``'whole_image'``
#: (no detector: the whole image, or the boxes the caller gives, is the face box).
DETECTOR_NAMES = ('mtcnn', 'whole_image')


def build_face_detector(detector: Union[str, FaceDetector, None], device: str = 'cpu',
                        checkpoint: Optional[str] = None, **kwargs) -> Optional[FaceDetector]:
    """A detector from a name of :data:`DETECTOR_NAMES` (``'whole_image'`` → None), an mmdet
    config path (with ``checkpoint``: :class:`~adnet_mmpose.detection.mmdet.MMDetFaceDetector`),
    or a :class:`FaceDetector` or None (returned as is). ``kwargs`` go to the detector's
    constructor.

    Raises:
        ValueError: a checkpoint for a named detector (they bring their own weights).
    """
    if detector is None or isinstance(detector, FaceDetector):
        return detector
    if detector in DETECTOR_NAMES:
        if checkpoint:
            raise ValueError(f'the {detector!r} face detector brings its own weights; '
                             f'drop its checkpoint ({checkpoint})')
        if detector == 'whole_image':
            return None
        from .mtcnn import MTCNNFaceDetector
        return MTCNNFaceDetector(device=device, **kwargs)
    from .mmdet import MMDetFaceDetector
    return MMDetFaceDetector(detector, checkpoint, device=device, **kwargs)
