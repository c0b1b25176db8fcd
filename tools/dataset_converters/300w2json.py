"""300-W release (iBUG ``.pts`` folders) -> mmpose ``Face300WDataset`` json with subset tags.

Expects the 300-W layout under ``--root`` (each image next to a ``.pts`` of the same stem,
``.jpg`` or ``.png``)::

    lfpw/trainset  lfpw/testset  helen/trainset  helen/testset  afw  ibug

Writes to ``--out-dir`` (mmpose's file names):

| file | folders | ``subset`` tag | faces |
|---|---|---|---|
| ``face_landmarks_300w_train.json`` | lfpw/trainset, helen/trainset, afw | ``train`` | 3148 |
| ``face_landmarks_300w_valid_common.json`` | lfpw/testset, helen/testset | ``common`` | 554 |
| ``face_landmarks_300w_valid_challenge.json`` | ibug | ``challenge`` | 135 |
| ``face_landmarks_300w_valid.json`` (full) | common + challenge | as above | 689 |

Annotation ids are unique over all files, so the full and subset files agree.
``.pts`` coordinates are 1-based (300-W/menpo convention) and stored 0-based (minus 1).
``bbox`` = the tight landmark box enlarged 1.2x about its centre and clipped to the image
(the rule of mmpose's 300W json); visibility 1 for every landmark.

Crop box ``center``/``scale``: the 300-W ``.pts`` folders ship no face box, so both rules start
from the tight box of the 68 landmarks. ``--box adnet`` (default): ADNet's rule on that box
(its centre, ``min(w, h) / 200 * 1.05``; the STAR/ADNet maintainers' own example computes
the box from the 68 landmarks the same way). ``--box hrnet``: mmpose's rule (centre,
``ceil(longer side) / 200``).

The training file is also split (``--holdout-fraction``, default 5 % of the training images,
``--seed`` 0) into ``face_landmarks_300w_train_holdout.json`` (the paper configs' validation
split) and ``face_landmarks_300w_train_without_holdout.json`` (the faces they train on).

    python tools/dataset_converters/300w2json.py --root data/300w --out-dir data/300w/annotations
"""
import argparse
import glob
import os

import numpy as np

from face_json import (add_common_args, adnet_center_scale, annotation, hrnet_center_scale,
                       image_entry, landmark_bbox, tight_box, write_json, write_with_holdout)

NUM_KEYPOINTS = 68
SPLITS = dict(train=('lfpw/trainset', 'helen/trainset', 'afw'),
              common=('lfpw/testset', 'helen/testset'), challenge=('ibug', ))
OUT_FILES = dict(train='face_landmarks_300w_train.json',
                 common='face_landmarks_300w_valid_common.json',
                 challenge='face_landmarks_300w_valid_challenge.json')
FULL_FILE = 'face_landmarks_300w_valid.json'
IMAGE_EXTS = ('.jpg', '.png', '.jpeg', '.JPG', '.PNG')


def read_pts(path: str) -> np.ndarray:
    """Landmarks of a ``.pts`` file as given (1-based), n×2; with or without the
    ``version / n_points / { }`` header."""
    with open(path) as f:
        lines = [ln.strip() for ln in f if ln.strip()]
    n_points = None
    if '{' in lines:
        for ln in lines[:lines.index('{')]:
            if ln.startswith('n_points'):
                n_points = int(ln.split(':')[1])
        lines = lines[lines.index('{') + 1:lines.index('}')]
    xy = np.array([ln.split()[:2] for ln in lines], dtype=np.float64)
    if n_points is not None and len(xy) != n_points:
        raise ValueError(f'{path}: header says {n_points} points, found {len(xy)}')
    return xy


def find_image(pts: str) -> str:
    stem = os.path.splitext(pts)[0]
    for ext in IMAGE_EXTS:
        if os.path.isfile(stem + ext):
            return stem + ext
    raise FileNotFoundError(f'no image ({"/".join(IMAGE_EXTS)}) next to {pts}')


def convert(root: str, out_dir: str, box: str = 'adnet', holdout_fraction: float = 0.05,
            seed: int = 0) -> list:
    """Convert the 300-W folders under ``root``; returns the written paths."""
    written, per_split, next_id = [], {}, 1
    info = dict(box=box)
    for split, folders in SPLITS.items():
        images, anns = [], []
        for folder in folders:
            pts_files = sorted(glob.glob(os.path.join(root, folder, '*.pts')))
            if not pts_files:
                raise FileNotFoundError(f'no .pts files in {os.path.join(root, folder)}')
            for pts in pts_files:
                xy = read_pts(pts) - 1.0
                if len(xy) != NUM_KEYPOINTS:
                    raise ValueError(f'{pts}: {len(xy)} points, expected {NUM_KEYPOINTS}')
                rel = os.path.relpath(find_image(pts), root).replace(os.sep, '/')
                img = image_entry(next_id, root, rel)
                images.append(img)
                cs = (adnet_center_scale(tight_box(xy)) if box == 'adnet' else
                      hrnet_center_scale(xy))
                anns.append(annotation(next_id, next_id, xy, np.ones(NUM_KEYPOINTS),
                                       landmark_bbox(xy, img['width'], img['height']), cs,
                                       subset=split))
                next_id += 1
        per_split[split] = (images, anns)
        path = os.path.join(out_dir, OUT_FILES[split])
        if split == 'train':
            written += write_with_holdout(path, images, anns, holdout_fraction, seed, info)
        else:
            written.append(write_json(path, images, anns, info))
    images = per_split['common'][0] + per_split['challenge'][0]
    anns = per_split['common'][1] + per_split['challenge'][1]
    written.append(write_json(os.path.join(out_dir, FULL_FILE), images, anns, info))
    return written


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', required=True, help='folder with lfpw/ helen/ afw/ ibug/')
    p.add_argument('--out-dir', required=True, help='where the json files go')
    add_common_args(p)
    args = p.parse_args(argv)
    return convert(args.root, args.out_dir, args.box, args.holdout_fraction, args.seed)


if __name__ == '__main__':
    main()
