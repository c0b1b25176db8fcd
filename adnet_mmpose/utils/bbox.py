"""Face boxes ``x1, y1, x2, y2`` in numpy (no torch): IoU, greedy NMS, and the box of a 300-W
annotation's ``center`` / ``scale``."""
from typing import Sequence

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of (N, ≥4) boxes ``a`` with (M, ≥4) boxes ``b`` → (N, M) (extra columns ignored)."""
    a, b = np.asarray(a), np.asarray(b)
    wh = np.clip(np.minimum(a[:, None, 2:4], b[None, :, 2:4])
                 - np.maximum(a[:, None, :2], b[None, :, :2]), 0, None)
    inter = wh[..., 0] * wh[..., 1]
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area_a[:, None] + area_b[None] - inter)


def nms(boxes: np.ndarray, thr: float) -> np.ndarray:
    """Indices of (N, ≥5) boxes ``x1, y1, x2, y2, score`` kept by greedy NMS (a box is dropped
    when its IoU with a better-scoring kept box exceeds ``thr``), best score first."""
    order, keep = np.argsort(-boxes[:, 4], kind='stable'), []
    while len(order):
        i, rest = order[0], order[1:]
        keep.append(i)
        order = rest[box_iou(boxes[i:i + 1], boxes[rest])[0] <= thr]
    return np.asarray(keep, np.int64)


def annotation_box(center: Sequence[float], scale: float) -> np.ndarray:
    """(4,) float64 box of a 300-W style annotation: the square of side ``200 · scale`` centred
    at ``center`` (the box mmpose's face datasets give ``gt_instances.bboxes``)."""
    c, half = np.asarray(center, np.float64), 100. * float(scale)
    return np.concatenate([c - half, c + half])
