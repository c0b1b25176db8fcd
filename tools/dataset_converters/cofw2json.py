"""COFW release (``COFW_train_color.mat`` / ``COFW_test_color.mat``) -> mmpose ``COFWDataset``
json, with images written as files.

Each ``.mat`` holds a cell array of images (``IsTr`` / ``IsT``: H×W×3 RGB or H×W gray uint8),
the landmarks ``phisTr`` / ``phisT`` (N×87: 29 x, 29 y, 29 occlusion flags, 1 = occluded,
MATLAB 1-based pixels) and the face boxes ``bboxesTr`` / ``bboxesT`` (N×4 x y w h, 1-based).
MATLAB v7.3 files (HDF5) are read with h5py, older ones with ``scipy.io.loadmat``.

Output under ``--out-dir``: ``images/{id:06d}.jpg`` (train ids 1..N_train, test ids after
them) and ``annotations/cofw_{train,test}.json``. Landmarks and box corners are stored 0-based
(minus 1); visibility 2 = visible, 1 = occluded (mmpose's convention: both count as labelled,
so occluded points are scored by the metrics too). ``bbox`` = the release's face box.

Crop box: with ``--box adnet`` (default) ``center``/``scale`` follow ADNet's rule on the
release's face box (its centre, ``min(w, h) / 200 * 1.05``); mmpose's ``COFWDataset`` ignores
them, so the paper config reads them with the ``AnnotationCenterScale`` transform. With
``--box hrnet`` no ``center``/``scale`` is written and mmpose's ``COFWDataset`` crops the
``bbox`` (padded 1.25 by mmpose's configs), as mmpose's downloadable COFW json does.

The training file is also split (``--holdout-fraction``, default 5 % of the training images,
``--seed`` 0) into ``annotations/cofw_train_holdout.json`` (the paper config's validation
split) and ``annotations/cofw_train_without_holdout.json`` (the faces it trains on).

    python tools/dataset_converters/cofw2json.py --train-mat COFW_train_color.mat \\
        --test-mat COFW_test_color.mat --out-dir data/cofw
"""
import argparse
import os

import cv2
import numpy as np

from face_json import (add_common_args, adnet_center_scale, annotation, write_json,
                       write_with_holdout)

NUM_KEYPOINTS = 29


def _pick(names, prefix: str, path: str) -> str:
    found = [n for n in names if n.startswith(prefix) and not n.startswith('#')]
    if len(found) != 1:
        raise KeyError(f'{path}: expected one variable named {prefix}*, found {found}')
    return found[0]


def load_mat(path: str):
    """``(images list of H×W[×3] uint8 RGB, phis N×87, boxes N×4)`` from a COFW ``.mat``."""
    import h5py
    if h5py.is_hdf5(path):
        with h5py.File(path, 'r') as f:
            names = list(f.keys())
            refs = f[_pick(names, 'Is', path)][()].reshape(-1)
            # HDF5 stores MATLAB arrays transposed: (3, W, H) / (W, H) -> (H, W, 3) / (H, W)
            images = [np.asarray(f[r][()]).T for r in refs]
            phis = np.asarray(f[_pick(names, 'phis', path)][()]).T
            boxes = np.asarray(f[_pick(names, 'bboxes', path)][()]).T
    else:
        from scipy.io import loadmat
        mat = loadmat(path)
        names = [n for n in mat if not n.startswith('__')]
        images = [np.asarray(im) for im in mat[_pick(names, 'Is', path)].reshape(-1)]
        phis = np.asarray(mat[_pick(names, 'phis', path)])
        boxes = np.asarray(mat[_pick(names, 'bboxes', path)])
    phis, boxes = phis.reshape(len(images), -1), boxes.reshape(len(images), -1)
    if phis.shape[1] != 3 * NUM_KEYPOINTS or boxes.shape[1] != 4:
        raise ValueError(f'{path}: landmarks {phis.shape} / boxes {boxes.shape} for '
                         f'{len(images)} images; expected N×{3 * NUM_KEYPOINTS} / N×4')
    return images, phis.astype(np.float64), boxes.astype(np.float64)


def convert_split(mat: str, out_dir: str, split: str, first_id: int, box: str = 'adnet',
                  holdout_fraction: float = 0., seed: int = 0) -> list:
    """Write the images and ``annotations/cofw_{split}.json`` (and its held-out split);
    returns the annotations."""
    images, phis, boxes = load_mat(mat)
    os.makedirs(os.path.join(out_dir, 'images'), exist_ok=True)
    entries, anns = [], []
    for n, (img, phi, rect) in enumerate(zip(images, phis, boxes)):
        img_id = first_id + n
        file_name = f'{img_id:06d}.jpg'
        img = img.astype(np.uint8)
        bgr = img[..., ::-1] if img.ndim == 3 else img
        if not cv2.imwrite(os.path.join(out_dir, 'images', file_name), np.ascontiguousarray(bgr)):
            raise OSError(f'could not write {file_name}')
        entries.append(dict(id=img_id, file_name=file_name, width=int(img.shape[1]),
                            height=int(img.shape[0])))
        xy = np.stack([phi[:NUM_KEYPOINTS], phi[NUM_KEYPOINTS:2 * NUM_KEYPOINTS]], 1) - 1.0
        visible = np.where(phi[2 * NUM_KEYPOINTS:] > 0, 1, 2)
        bbox = [rect[0] - 1.0, rect[1] - 1.0, rect[2], rect[3]]
        try:
            cs = (adnet_center_scale([bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3]])
                  if box == 'adnet' else None)
        except ValueError as e:
            raise ValueError(f'{mat}: face {n + 1}: {e}') from e
        anns.append(annotation(img_id, img_id, xy, visible, bbox, cs))
    path = os.path.join(out_dir, 'annotations', f'cofw_{split}.json')
    write_with_holdout(path, entries, anns, holdout_fraction, seed, dict(box=box))
    return anns


def convert(train_mat: str, test_mat: str, out_dir: str, box: str = 'adnet',
            holdout_fraction: float = 0.05, seed: int = 0) -> None:
    train = convert_split(train_mat, out_dir, 'train', 1, box, holdout_fraction, seed)
    convert_split(test_mat, out_dir, 'test', len(train) + 1, box)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--train-mat', required=True, help='COFW_train_color.mat')
    p.add_argument('--test-mat', required=True, help='COFW_test_color.mat')
    p.add_argument('--out-dir', required=True, help='gets images/ and annotations/')
    add_common_args(p)
    args = p.parse_args(argv)
    convert(args.train_mat, args.test_mat, args.out_dir, args.box, args.holdout_fraction,
            args.seed)


if __name__ == '__main__':
    main()
