"""WFLW release -> mmpose ``WFLWDataset`` json, with the six attribute flags.

Expects the official release layout::

    WFLW_annotations/list_98pt_rect_attr_train_test/list_98pt_rect_attr_{train,test}.txt
    WFLW_images/<event folder>/<image>.jpg

Each txt line: 196 landmark coordinates (x0 y0 ... x97 y97), the face rectangle
``x_min y_min x_max y_max``, six 0/1 flags (pose expression illumination make-up occlusion
blur) and the image path relative to ``WFLW_images``. Coordinates are kept as given.

Writes to ``--out-dir``: ``face_landmarks_wflw_train.json``, ``face_landmarks_wflw_test.json``
and ``face_landmarks_wflw_test_{largepose,expression,illumination,makeup,occlusion,blur}.json``
(mmpose's file names; the subset files keep the test annotation ids). Per annotation:
``attributes = {"pose", "expression", "illumination", "makeup", "occlusion", "blur"}: 0/1``
(read by FaceAlignmentMetric as subsets), ``bbox`` = the WFLW face rectangle (xywh) and the
crop box ``center``/``scale``: with ``--box adnet`` (default) ADNet's rule applied to that face
rectangle (its centre, ``min(w, h) / 200 * 1.05``), with ``--box hrnet`` mmpose's rule (centre of
the tight landmark box, ``ceil(longer side) / 200``). Visibility is 1 for every landmark.

The training file is also split (``--holdout-fraction``, default 5 % of the training images,
``--seed`` 0) into ``face_landmarks_wflw_train_holdout.json`` (the validation split the paper
configs select checkpoints on) and ``face_landmarks_wflw_train_without_holdout.json`` (the
faces they train on); the test files are never used for model selection.

    python tools/dataset_converters/wflw2json.py --root data/wflw --out-dir data/wflw/annotations
"""
import argparse
import os

import numpy as np

from face_json import (add_common_args, adnet_center_scale, annotation, hrnet_center_scale,
                       image_entry, write_json, write_with_holdout)

ATTRIBUTES = ('pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur')
SUBSET_FILES = dict(pose='largepose', expression='expression', illumination='illumination',
                    makeup='makeup', occlusion='occlusion', blur='blur')
NUM_KEYPOINTS = 98
ANN_DIR = os.path.join('WFLW_annotations', 'list_98pt_rect_attr_train_test')


def parse_line(line: str, where: str):
    """``(landmarks 98×2, rect x1 y1 x2 y2, attribute dict, image path)`` of one txt line."""
    parts = line.split()
    n = 2 * NUM_KEYPOINTS + 4 + len(ATTRIBUTES) + 1
    if len(parts) != n:
        raise ValueError(f'{where}: expected {n} fields, got {len(parts)}')
    values = np.array(parts[:-1], dtype=np.float64)
    xy = values[:2 * NUM_KEYPOINTS].reshape(NUM_KEYPOINTS, 2)
    rect = values[2 * NUM_KEYPOINTS:2 * NUM_KEYPOINTS + 4]
    flags = values[2 * NUM_KEYPOINTS + 4:].astype(int)
    return xy, rect, dict(zip(ATTRIBUTES, flags.tolist())), parts[-1]


def convert_split(txt: str, img_root: str, images: dict, first_id: int, box: str = 'adnet'):
    """Annotations of one split file; ``images`` (file name -> entry) is shared and extended."""
    anns = []
    with open(txt) as f:
        lines = [ln for ln in f if ln.strip()]
    for n, line in enumerate(lines):
        xy, rect, attrs, file_name = parse_line(line, f'{txt}:{n + 1}')
        if file_name not in images:
            images[file_name] = image_entry(len(images) + 1, img_root, file_name)
        bbox = [rect[0], rect[1], rect[2] - rect[0], rect[3] - rect[1]]
        try:
            cs = adnet_center_scale(rect) if box == 'adnet' else hrnet_center_scale(xy)
        except ValueError as e:
            raise ValueError(f'{txt}:{n + 1}: {e}') from e
        anns.append(annotation(first_id + n, images[file_name]['id'], xy,
                               np.ones(NUM_KEYPOINTS), bbox, cs, attributes=attrs))
    return anns


def convert(root: str, out_dir: str, box: str = 'adnet', holdout_fraction: float = 0.05,
            seed: int = 0) -> list:
    """Convert ``root`` (holding WFLW_annotations and WFLW_images); returns written paths."""
    images, written, next_id = {}, [], 1
    img_root = os.path.join(root, 'WFLW_images')
    info = dict(box=box)
    for split in ('train', 'test'):
        txt = os.path.join(root, ANN_DIR, f'list_98pt_rect_attr_{split}.txt')
        anns = convert_split(txt, img_root, images, next_id, box)
        next_id += len(anns)
        all_images = list(images.values())
        path = os.path.join(out_dir, f'face_landmarks_wflw_{split}.json')
        if split == 'train':
            written += write_with_holdout(path, all_images, anns, holdout_fraction, seed, info)
            continue
        written.append(write_json(path, all_images, anns, info))
        for attr in ATTRIBUTES:
            sub = [a for a in anns if a['attributes'][attr]]
            name = f'face_landmarks_wflw_test_{SUBSET_FILES[attr]}.json'
            written.append(write_json(os.path.join(out_dir, name), all_images, sub, info))
    return written


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', required=True, help='folder with WFLW_annotations/ and WFLW_images/')
    p.add_argument('--out-dir', required=True, help='where the json files go')
    add_common_args(p)
    args = p.parse_args(argv)
    return convert(args.root, args.out_dir, args.box, args.holdout_fraction, args.seed)


if __name__ == '__main__':
    main()
