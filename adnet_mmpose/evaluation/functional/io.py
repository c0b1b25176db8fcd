"""Loading landmark predictions and ground truth for the analysis tools.

Formats (all coordinates in one pixel frame):
* ``.npy``: N×K×2 (or N×K×3, the third column ignored) landmarks, in ground-truth order.
* ``.npz``: the ``pred`` / ``gt`` arrays (and ``id``) of FaceAlignmentMetric's per-image dump.
* ``.pkl`` / ``.json`` prediction: mmpose ``tools/test.py --dump`` output, a list of data
  samples with ``pred_instances.keypoints`` and the annotation ``id``.
* ``.json`` ground truth: mmpose COCO-style face json; images are ordered by annotation id;
  its box is the one mmpose's dataset class builds (``center``/``scale`` square for
  WFLW/300W, the clipped ``bbox`` otherwise).
Predictions that carry annotation ids are matched to a json / npz ground truth by id
(:func:`align`), others by order.
"""
import json
import os
import pickle
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ...utils.bbox import annotation_box

IdArray = Optional[np.ndarray]


def _keypoints(a) -> np.ndarray:
    a = np.asarray(a.detach().cpu().numpy() if hasattr(a, 'detach') else a, dtype=np.float64)
    if a.ndim < 2 or a.shape[-1] not in (2, 3):
        raise ValueError(f'landmarks must end in 2 (x, y) or 3 (x, y, v) columns, got {a.shape}')
    return a[..., :2]


def load_gt(path: str) -> Tuple[np.ndarray, IdArray, Optional[np.ndarray]]:
    """Ground truth: ``(landmarks N×K×2, annotation ids or None, boxes N×4 xyxy or None)``."""
    if path.endswith('.npy'):
        return _keypoints(np.load(path)), None, None
    if path.endswith('.npz'):
        with np.load(path) as z:
            return _keypoints(z['gt']), z['id'] if 'id' in z else None, None
    if path.endswith('.json'):
        with open(path) as f:
            data = json.load(f)
        images = {im['id']: im for im in data['images']}
        anns = sorted(data['annotations'], key=lambda a: a['id'])
        kpts = [np.asarray(a['keypoints'], dtype=np.float64).reshape(-1, 3) for a in anns]
        kpts = np.stack(kpts)[..., :2]
        boxes = np.stack([_dataset_box(a, images[a['image_id']]) for a in anns])
        return kpts, np.array([a['id'] for a in anns]), boxes
    raise ValueError(f'--gt {path}: expected .npy, .npz or .json')


def _dataset_box(ann: dict, img: dict) -> np.ndarray:
    """The xyxy box mmpose's face datasets give ``gt_instances.bboxes``."""
    if 'center' in ann and 'scale' in ann:
        return annotation_box(ann['center'], ann['scale'])
    x, y, w, h = ann['bbox']
    return np.array([np.clip(x, 0, img['width'] - 1), np.clip(y, 0, img['height'] - 1),
                     np.clip(x + w, 0, img['width'] - 1), np.clip(y + h, 0, img['height'] - 1)])


def load_pred(path: str) -> Tuple[np.ndarray, IdArray]:
    """Predictions: ``(landmarks N×K×2, annotation ids or None)``."""
    if path.endswith('.npy'):
        return _keypoints(np.load(path)), None
    if path.endswith('.npz'):
        with np.load(path) as z:
            return _keypoints(z['pred']), z['id'] if 'id' in z else None
    if path.endswith(('.pkl', '.pickle', '.json')):
        if path.endswith('.json'):
            with open(path) as f:
                samples = json.load(f)
        else:
            with open(path, 'rb') as f:
                samples = pickle.load(f)
        kpts = []
        for i, s in enumerate(samples):
            k = _keypoints(s['pred_instances']['keypoints'])
            if k.ndim == 3 and k.shape[0] != 1:
                raise ValueError(f'{path}: sample {i} has {k.shape[0]} predicted faces, '
                                 'expected 1 (top-down)')
            kpts.append(k.reshape(-1, 2))
        ids = [s.get('id') for s in samples]
        return np.stack(kpts), None if None in ids else np.array(ids)
    raise ValueError(f'--pred {path}: expected .npy, .npz, .pkl or .json')


def align(pred: np.ndarray, pred_ids: IdArray, gt_ids: IdArray, path: str) -> np.ndarray:
    """Reorder predictions to the ground-truth order by annotation id when both have ids."""
    if pred_ids is None or gt_ids is None:
        return pred
    where = {int(i): n for n, i in enumerate(pred_ids)}
    missing = [int(i) for i in gt_ids if int(i) not in where]
    if missing:
        raise ValueError(f'{path}: no prediction for annotation ids {missing[:10]}'
                         f'{" ..." if len(missing) > 10 else ""}')
    return pred[[where[int(i)] for i in gt_ids]]


def method_labels(pred_paths: Sequence[str], labels: Optional[Sequence[str]] = None) -> List[str]:
    """One distinct name per prediction file (default: the file names without extension)."""
    labels = list(labels or [os.path.splitext(os.path.basename(p))[0] for p in pred_paths])
    if len(labels) != len(pred_paths) or len(set(labels)) != len(labels):
        raise ValueError(f'--label needs {len(pred_paths)} distinct names, got {labels}')
    return labels
