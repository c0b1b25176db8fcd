"""Face detectors behind one small interface: an image in, (N, 5) face boxes out.

:class:`FaceDetector` does what every detector needs (grey / BGRA input, downscaling huge
images for detection, score threshold, minimum face size, NMS, a box calibration to the crop
convention of the landmark models); subclasses only implement :meth:`FaceDetector.detect_raw`.
Two detectors plug in: :class:`MTCNNFaceDetector` (the offline default, weights from the PyPI
package ``facenet-pytorch``) and :class:`MMDetFaceDetector` (an mmdet config with local
weights). :func:`build_face_detector` turns a name or config into one.
"""
from dataclasses import dataclass
from typing import Optional, Sequence, Union

import cv2
import numpy as np

from adnet_mmpose.deploy.images import as_bgr


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


def nms(boxes: np.ndarray, thr: float) -> np.ndarray:
    """Indices of (N, ≥5) boxes kept by greedy IoU NMS, best score first."""
    order, keep = np.argsort(-boxes[:, 4], kind='stable'), []
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    while len(order):
        i, rest = order[0], order[1:]
        keep.append(i)
        wh = np.clip(np.minimum(boxes[i, 2:4], boxes[rest, 2:4])
                     - np.maximum(boxes[i, :2], boxes[rest, :2]), 0, None)
        inter = wh[:, 0] * wh[:, 1]
        order = rest[inter / (area[i] + area[rest] - inter) <= thr]
    return np.asarray(keep, np.int64)


# Measured on the training fixtures only (afw68 train + helen68_train, 1,170 faces, one per
# crop; never on validation faces) by `python tools/analysis/face_detector_boxes.py fit`:
# MTCNN finds 1,167 of them with IoU >= 0.3 to the annotated box; the medians (IQR) over those
# are scale 0.9154 (0.880 .. 0.952), dx 0.0083 (-0.011 .. 0.027), dy 0.1454 (0.120 .. 0.166):
# MTCNN's box is about 9 % larger than the landmark box and reaches higher up the forehead.
MTCNN_CALIBRATION = BoxCalibration(scale=0.915, dx=0.008, dy=0.145)


class MTCNNFaceDetector(FaceDetector):
    """MTCNN (:mod:`~adnet_mmpose.apis.mtcnn`) with boxes calibrated to the landmark crops.

    Args:
        device: torch device of the three small networks.
        min_size: smallest face side searched and kept, in pixels of the (downscaled)
            detection image.
        thresholds: the cascade's three face-probability thresholds.
        weights_dir: folder with ``pnet.pt``, ``rnet.pt``, ``onet.pt`` (default: the
            installed ``facenet-pytorch`` package).
        score_thr, nms_thr, max_image_size, calibration: see :class:`FaceDetector`.
    """

    def __init__(self, device: str = 'cpu', score_thr: float = 0.9, nms_thr: float = 0.3,
                 min_size: float = 20., thresholds: Sequence[float] = (0.6, 0.7, 0.7),
                 max_image_size: Optional[int] = 1600, weights_dir: Optional[str] = None,
                 calibration: BoxCalibration = MTCNN_CALIBRATION):
        from .mtcnn import MTCNN
        super().__init__(score_thr, nms_thr, 0., max_image_size, calibration)
        self.model = MTCNN(weights_dir, min_face_size=min_size, thresholds=thresholds)
        self.model.to(device)

    def detect_raw(self, img: np.ndarray) -> np.ndarray:
        return self.model(img[..., ::-1])


class MMDetFaceDetector(FaceDetector):
    """An mmdet detector from a config and a local checkpoint (never downloaded).

    Args:
        config: mmdet config file (e.g. MMPose's ``demo/mmdetection_cfg/
            yolox-s_8xb8-300e_coco-face.py``).
        checkpoint: its local weights; ``FileNotFoundError`` naming ``option`` when missing.
        device: torch device.
        cat_ids: the detector's face class ids.
        option: the command-line option or argument that gives ``checkpoint``.
        trust_checkpoint: load a checkpoint that needs full unpickling (trusted files only).
        score_thr, nms_thr, min_size, max_image_size, calibration: see :class:`FaceDetector`.
    """

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu',
                 score_thr: float = 0.5, nms_thr: float = 0.3,
                 cat_ids: Sequence[int] = (0, ), option: str = '--det-checkpoint',
                 min_size: float = 0., max_image_size: Optional[int] = None,
                 calibration: BoxCalibration = BoxCalibration(),
                 trust_checkpoint: bool = False):
        from mmdet.apis import init_detector
        from mmengine.runner.checkpoint import _load_checkpoint_to_model

        from adnet_mmpose.utils.checkpoint import load_checkpoint_file
        from .model_loading import check_checkpoint
        from .offline_weights import local_weights
        super().__init__(score_thr, nms_thr, min_size, max_image_size, calibration)
        path = local_weights(checkpoint, option,
                             'A face detector needs its weights; without one pass face boxes '
                             'or use the whole image as the face box.')
        self.model = init_detector(config, None, device=device)
        ckpt = load_checkpoint_file(path, map_location='cpu', trust_checkpoint=trust_checkpoint)
        check_checkpoint(self.model, ckpt, source=f'detector checkpoint {path}',
                         config=f'detector config {config}')
        _load_checkpoint_to_model(self.model, ckpt, strict=True)
        self.cat_ids = tuple(cat_ids)

    def detect_raw(self, img: np.ndarray) -> np.ndarray:
        from mmdet.apis import inference_detector
        from mmengine.registry import DefaultScope
        with DefaultScope.overwrite_default_scope(self.model.cfg.get('default_scope', 'mmdet')):
            pred = inference_detector(self.model, img).pred_instances.cpu().numpy()
        boxes = np.concatenate([pred.bboxes, pred.scores[:, None]], 1).astype(np.float32)
        return boxes[np.isin(pred.labels, self.cat_ids)]


DETECTOR_NAMES = ('mtcnn', )


def build_face_detector(detector: Union[str, FaceDetector, None], device: str = 'cpu',
                        checkpoint: Optional[str] = None, **kwargs) -> Optional[FaceDetector]:
    """``'mtcnn'`` → :class:`MTCNNFaceDetector`; an mmdet config path (with ``checkpoint``)
    → :class:`MMDetFaceDetector`; a :class:`FaceDetector` or None is returned as is.
    ``kwargs`` go to the detector's constructor."""
    if detector is None or isinstance(detector, FaceDetector):
        return detector
    if detector in DETECTOR_NAMES:
        if checkpoint:
            raise ValueError(f'the {detector!r} face detector brings its own weights; '
                             f'drop its checkpoint ({checkpoint})')
        return MTCNNFaceDetector(device=device, **kwargs)
    return MMDetFaceDetector(detector, checkpoint, device=device, **kwargs)


class DetInferencerAdapter:
    """A :class:`FaceDetector` called the way mmpose's ``Pose2DInferencer`` calls mmdet's
    ``DetInferencer``: ``adapter(image, return_datasamples=True)`` →
    ``{'predictions': [sample]}`` with ``sample.pred_instances`` holding ``bboxes`` (N, 4),
    ``scores`` (N,) and ``labels`` (N,) (all 0, the face class)."""

    def __init__(self, detector: FaceDetector):
        self.detector = detector

    def __call__(self, inputs, return_datasamples: bool = True, **kwargs) -> dict:
        from mmengine.structures import BaseDataElement, InstanceData
        boxes = self.detector(inputs, inputs if isinstance(inputs, str) else 'image')
        found = InstanceData(bboxes=boxes[:, :4], scores=boxes[:, 4],
                             labels=np.zeros(len(boxes), np.int64))
        return dict(predictions=[BaseDataElement(pred_instances=found)])
