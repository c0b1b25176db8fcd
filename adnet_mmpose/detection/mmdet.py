"""mmdet face detectors behind :class:`~adnet_mmpose.detection.base.FaceDetector`, and any
face detector called the way mmpose's inferencer calls mmdet's ``DetInferencer``."""
from typing import Optional, Sequence

import numpy as np

from adnet_mmpose.utils.checkpoint import load_checkpoint_strict
from adnet_mmpose.utils.offline_weights import local_weights
from .base import BoxCalibration, FaceDetector


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
        super().__init__(score_thr, nms_thr, min_size, max_image_size, calibration)
        path = local_weights(checkpoint, option,
                             'A face detector needs its weights; without one pass face boxes '
                             'or use the whole image as the face box.')
        self.model = init_detector(config, None, device=device)
        load_checkpoint_strict(self.model, path, trust_checkpoint,
                               source=f'detector checkpoint {path}',
                               config=f'detector config {config}')
        self.cat_ids = tuple(cat_ids)

    def detect_raw(self, img: np.ndarray) -> np.ndarray:
        from mmdet.apis import inference_detector
        from mmengine.registry import DefaultScope
        with DefaultScope.overwrite_default_scope(self.model.cfg.get('default_scope', 'mmdet')):
            pred = inference_detector(self.model, img).pred_instances.cpu().numpy()
        boxes = np.concatenate([pred.bboxes, pred.scores[:, None]], 1).astype(np.float32)
        return boxes[np.isin(pred.labels, self.cat_ids)]


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
