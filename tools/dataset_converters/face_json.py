"""Shared pieces of the face-landmark converters: the mmpose COCO-style json they all write,
the two crop-box conventions and the held-out validation split.

Layout (as mmpose's ``WFLWDataset`` / ``Face300WDataset`` / ``COFWDataset`` read it):
``images`` (id, file_name, width, height), ``annotations`` (id, image_id, keypoints
[x, y, v] * K, num_keypoints, bbox xywh, area, iscrowd, category_id, center/scale, optional
subset tags), ``categories``, and ``info`` (the box convention, the split).

Crop boxes (``center`` in pixels, ``scale`` = side / 200 of the square crop):

* ``adnet`` (default): ADNet's metadata rule, as its maintainers give it for a face box
  ``x1 y1 x2 y2``: centre of the box, ``scale = min(x2 - x1, y2 - y1) / 200 * 1.05``. The
  paper configs crop exactly this square (no padding), which is what the official weights saw.
* ``hrnet``: mmpose's downloadable jsons (HRNet's rule): centre of the tight landmark box,
  ``scale = ceil(longer side) / 200``; mmpose's configs then pad it by 1.25.
"""
import argparse
import hashlib
import json
import math
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np

CATEGORIES = [dict(supercategory='person', id=1, name='face', keypoints=[], skeleton=[])]
BOX_STYLES = ('adnet', 'hrnet')
HOLDOUT_SUFFIX, REST_SUFFIX = '_holdout.json', '_without_holdout.json'


def hrnet_center_scale(xy: np.ndarray) -> Tuple[List[float], float]:
    """mmpose's WFLW/300W box from K×2 landmarks: centre of the tight landmark box and
    ``scale = ceil(longer side) / 200``."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return ((lo + hi) / 2).tolist(), math.ceil(float((hi - lo).max())) / 200


def adnet_center_scale(box: Sequence[float]) -> Tuple[List[float], float]:
    """ADNet's crop from a face box ``x1, y1, x2, y2``: its centre and
    ``scale = min(w, h) / 200 * 1.05``."""
    x1, y1, x2, y2 = (float(v) for v in box)
    if not (x2 > x1 and y2 > y1):
        raise ValueError(f'empty face box {list(box)}')
    return [(x1 + x2) / 2, (y1 + y2) / 2], min(x2 - x1, y2 - y1) / 200 * 1.05


def tight_box(xy: np.ndarray) -> List[float]:
    """``x1, y1, x2, y2`` of the tight box of K×2 landmarks."""
    lo, hi = np.asarray(xy, dtype=np.float64).min(axis=0), np.asarray(xy).max(axis=0)
    return [float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])]


def landmark_bbox(xy: np.ndarray, width: int, height: int, factor: float = 1.2) -> List[float]:
    """Tight landmark box enlarged ``factor``× about its centre, clipped to the image; xywh."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    c, half = (lo + hi) / 2, (hi - lo) * factor / 2
    x1, y1 = max(c[0] - half[0], 0.0), max(c[1] - half[1], 0.0)
    x2, y2 = min(c[0] + half[0], float(width)), min(c[1] + half[1], float(height))
    return [float(x1), float(y1), float(x2 - x1), float(y2 - y1)]


def annotation(ann_id: int, image_id: int, xy: np.ndarray, visible: Sequence[int],
               bbox: Sequence[float], center_scale: Optional[tuple] = None, **extra) -> dict:
    """One annotation: K×2 landmarks ``xy``, per-landmark visibility, xywh ``bbox``,
    ``center_scale = (center, scale)`` if the json carries a crop box; extra keys (e.g.
    ``attributes``, ``subset``) are stored as given."""
    kpts = np.concatenate([np.asarray(xy, dtype=np.float64),
                           np.asarray(visible, dtype=np.float64)[:, None]], axis=1)
    ann = dict(id=int(ann_id), image_id=int(image_id), keypoints=kpts.reshape(-1).tolist(),
               num_keypoints=int(len(kpts)), bbox=[float(v) for v in bbox],
               area=float(bbox[2] * bbox[3]), iscrowd=0, category_id=1)
    if center_scale is not None:
        ann['center'], ann['scale'] = [float(v) for v in center_scale[0]], float(center_scale[1])
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


def photo_id(file_name: str) -> str:
    """The photo a 300-W-style face crop comes from: its file stem up to the last ``_``
    (``100040721_2.jpg`` → ``100040721``), the stem itself when it has no ``_``."""
    stem = osp.splitext(osp.basename(file_name))[0]
    return stem.rsplit('_', 1)[0] if '_' in stem else stem


def holdout_images(images: List[dict], fraction: float, seed: int, by: str = 'image') -> set:
    """Ids of the held-out images: all images of the ``round(fraction · n)`` groups (at least
    one when ``fraction > 0``) with the smallest ``sha1(f'{seed}:{group}')``, where a group is
    an image (``by='image'``: its file name) or a photo (``by='photo'``: :func:`photo_id`, so
    that crops of one photo stay on one side). The choice depends only on the file names,
    the fraction and the seed, not on their order or the numpy version."""
    if not 0 <= fraction < 1:
        raise ValueError(f'--holdout-fraction must be in [0, 1), got {fraction}')
    if by not in ('image', 'photo'):
        raise ValueError(f"holdout grouping must be 'image' or 'photo', got {by!r}")
    group = {im['id']: im['file_name'] if by == 'image' else photo_id(im['file_name'])
             for im in images}
    names = sorted(set(group.values()))
    if fraction == 0 or len(names) < 2:
        return set()
    n = min(max(int(round(fraction * len(names))), 1), len(names) - 1)
    key = {g: hashlib.sha1(f'{seed}:{g}'.encode()).hexdigest() for g in names}
    chosen = set(sorted(names, key=lambda g: (key[g], g))[:n])
    return {i for i, g in group.items() if g in chosen}


def write_with_holdout(path: str, images: List[dict], annotations: List[dict],
                       fraction: float, seed: int, info: Optional[dict] = None) -> List[str]:
    """Write the training json ``path`` and, when ``fraction > 0``, its split into
    ``*_holdout.json`` (validation faces) and ``*_without_holdout.json`` (the rest)."""
    written = [write_json(path, images, annotations, info)]
    held = holdout_images([im for im in images
                           if im['id'] in {a['image_id'] for a in annotations}], fraction, seed)
    if held:
        split = dict(info or {}, holdout=dict(fraction=fraction, seed=seed, source=
                                              os.path.basename(path)))
        stem = path[:-len('.json')]
        written.append(write_json(stem + HOLDOUT_SUFFIX, images,
                                  [a for a in annotations if a['image_id'] in held], split))
        written.append(write_json(stem + REST_SUFFIX, images,
                                  [a for a in annotations if a['image_id'] not in held], split))
    return written


def add_common_args(p: argparse.ArgumentParser) -> None:
    """``--box``, ``--holdout-fraction``, ``--seed`` (shared by the converters)."""
    p.add_argument('--box', choices=BOX_STYLES, default='adnet',
                   help="crop box written as center/scale: 'adnet' (default; ADNet's rule, "
                   "the paper configs' crop) or 'hrnet' (mmpose's downloadable jsons)")
    p.add_argument('--holdout-fraction', type=float, default=0.05,
                   help='fraction of the training images held out as the validation split '
                   '(default 0.05; 0 = none)')
    p.add_argument('--seed', type=int, default=0, help='seed of the held-out split')
