"""Shared pieces of the face-landmark converters: the mmpose COCO-style json they all write.

Layout (as mmpose's ``WFLWDataset`` / ``Face300WDataset`` / ``COFWDataset`` read it, the same
keys as ``shared/fixtures`` jsons): ``images`` (id, file_name, width, height), ``annotations``
(id, image_id, keypoints [x, y, v] * K, num_keypoints, bbox xywh, area, iscrowd, category_id,
optionally center/scale and subset tags), ``categories``.
"""
import json
import math
import os
from typing import List, Optional, Sequence

import numpy as np

CATEGORIES = [dict(supercategory='person', id=1, name='face', keypoints=[], skeleton=[])]


def center_scale(xy: np.ndarray):
    """mmpose's WFLW/300W crop box from K×2 landmarks: centre of the tight landmark box and
    ``scale = ceil(longer side) / 200`` (the datasets use a square of side 200·scale)."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return ((lo + hi) / 2).tolist(), math.ceil(float((hi - lo).max())) / 200


def landmark_bbox(xy: np.ndarray, width: int, height: int, factor: float = 1.2) -> List[float]:
    """Tight landmark box enlarged ``factor``× about its centre, clipped to the image; xywh."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    c, half = (lo + hi) / 2, (hi - lo) * factor / 2
    x1, y1 = max(c[0] - half[0], 0.0), max(c[1] - half[1], 0.0)
    x2, y2 = min(c[0] + half[0], float(width)), min(c[1] + half[1], float(height))
    return [float(x1), float(y1), float(x2 - x1), float(y2 - y1)]


def annotation(ann_id: int, image_id: int, xy: np.ndarray, visible: Sequence[int],
               bbox: Sequence[float], with_center_scale: bool = True, **extra) -> dict:
    """One annotation: K×2 landmarks ``xy``, per-landmark visibility, xywh ``bbox``; extra
    keys (e.g. ``attributes``, ``subset``) are stored as given."""
    kpts = np.concatenate([np.asarray(xy, dtype=np.float64),
                           np.asarray(visible, dtype=np.float64)[:, None]], axis=1)
    ann = dict(id=int(ann_id), image_id=int(image_id), keypoints=kpts.reshape(-1).tolist(),
               num_keypoints=int(len(kpts)), bbox=[float(v) for v in bbox],
               area=float(bbox[2] * bbox[3]), iscrowd=0, category_id=1)
    if with_center_scale:
        ann['center'], ann['scale'] = center_scale(np.asarray(xy, dtype=np.float64))
    ann.update(extra)
    return ann


def write_json(path: str, images: List[dict], annotations: List[dict],
               info: Optional[dict] = None) -> str:
    """Write the json, keeping only the images that some annotation uses."""
    used = {a['image_id'] for a in annotations}
    data = dict(images=[im for im in images if im['id'] in used], annotations=annotations,
                categories=CATEGORIES)
    if info:
        data['info'] = info
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(data, f)
    print(f'{path}: {len(data["images"])} images, {len(annotations)} faces')
    return path


def image_entry(image_id: int, root: str, file_name: str) -> dict:
    """``images`` entry; the size is read from the file header (``root/file_name``)."""
    from PIL import Image
    path = os.path.join(root, file_name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'image {path} not found')
    with Image.open(path) as im:
        width, height = im.size
    return dict(id=int(image_id), file_name=file_name, width=int(width), height=int(height))
