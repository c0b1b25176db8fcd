"""An MMDetection face detector from a config and a local checkpoint (never downloaded)."""
from typing import Sequence

import numpy as np
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from adnet_mmpose.utils.checkpoint import load_checkpoint_file
from .model_loading import check_checkpoint
from .offline_weights import local_weights


class FaceDetector:
    """Face boxes of an image with an mmdet detector.

    Args:
        config: mmdet config file (e.g. MMPose's ``demo/mmdetection_cfg/
            yolox-s_8xb8-300e_coco-face.py``).
        checkpoint: its local weights; ``FileNotFoundError`` naming ``option`` when missing.
        device: torch device.
        score_thr: keep boxes scoring above this.
        nms_thr: IoU threshold of the NMS among the kept boxes.
        cat_ids: the detector's face class ids.
        option: the command-line option or argument that gives ``checkpoint``.
        trust_checkpoint: load a checkpoint that needs full unpickling (trusted files only).
    """

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu',
                 score_thr: float = 0.5, nms_thr: float = 0.3,
                 cat_ids: Sequence[int] = (0, ), option: str = '--det-checkpoint',
                 trust_checkpoint: bool = False):
        from mmdet.apis import init_detector
        path = local_weights(checkpoint, option,
                             'A face detector needs its weights; without a detector the whole '
                             'image (or given boxes) is used as the face box.')
        self.model = init_detector(config, None, device=device)
        ckpt = load_checkpoint_file(path, map_location='cpu', trust_checkpoint=trust_checkpoint)
        check_checkpoint(self.model, ckpt, source=f'detector checkpoint {path}',
                         config=f'detector config {config}')
        _load_checkpoint_to_model(self.model, ckpt, strict=True)
        self.score_thr, self.nms_thr, self.cat_ids = score_thr, nms_thr, tuple(cat_ids)

    def __call__(self, img: np.ndarray) -> np.ndarray:
        """(N, 5) ``x1, y1, x2, y2, score`` face boxes of a BGR image, best first, clipped to
        the image (boxes that are not finite or empty there are dropped)."""
        from mmdet.apis import inference_detector
        from mmpose.evaluation.functional import nms
        pred = inference_detector(self.model, img).pred_instances.cpu().numpy()
        h, w = img.shape[:2]
        boxes = np.concatenate([pred.bboxes, pred.scores[:, None]], 1).astype(np.float32)
        boxes = boxes[np.isin(pred.labels, self.cat_ids) & (pred.scores > self.score_thr)
                      & np.isfinite(boxes).all(1)]
        boxes[:, 0:4:2] = boxes[:, 0:4:2].clip(0, w)
        boxes[:, 1:4:2] = boxes[:, 1:4:2].clip(0, h)
        boxes = boxes[(boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])]
        return boxes[nms(boxes, self.nms_thr)] if len(boxes) else boxes.reshape(0, 5)
