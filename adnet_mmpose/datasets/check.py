"""Pre-flight check of face-landmark annotation files (run by ``tools/train.py``).

Every problem of every sample is found before training starts, so that a bad annotation or
image never stops a run mid-epoch: missing or unreadable image, keypoint count not matching
the dataset's metainfo, non-finite keypoints, zero-area box.
"""
import json
import os.path as osp
from typing import List, NamedTuple, Optional

import cv2
import numpy as np
from mmengine.logging import print_log


class BadSample(NamedTuple):
    ann_file: str
    ann_id: object
    image: str
    reason: str

    def __str__(self):
        return f'{self.ann_file}: annotation id {self.ann_id} ({self.image}): {self.reason}'


def _box_area(ann: dict) -> Optional[float]:
    if 'scale' in ann:
        return float(ann['scale']) ** 2
    if 'bbox' in ann:
        return float(ann['bbox'][2]) * float(ann['bbox'][3])
    return None


def check_annotation_file(ann_file: str, img_dir: str, num_keypoints: int,
                          check_images: bool = True) -> List[BadSample]:
    """Problems of one COCO-style face annotation file (mmpose WFLW / 300W / COFW json).

    Args:
        ann_file: the json file.
        img_dir: folder the images' ``file_name`` are relative to.
        num_keypoints: K of the dataset metainfo.
        check_images: decode every image (at 1/8 scale) to find missing / corrupt files.
    """
    with open(ann_file) as f:
        data = json.load(f)
    images = {img['id']: img for img in data.get('images', [])}
    bad, readable = [], {}
    for ann in data.get('annotations', []):
        img = images.get(ann.get('image_id'), {})
        name = img.get('file_name', f"<no image with id {ann.get('image_id')}>")

        def report(reason):
            bad.append(BadSample(ann_file, ann.get('id'), name, reason))

        kpts = np.asarray(ann.get('keypoints', []), dtype=np.float64).ravel()
        if kpts.size != 3 * num_keypoints:
            report(f'{kpts.size / 3:g} keypoints, the dataset has {num_keypoints}')
        elif not np.isfinite(kpts).all():
            report('non-finite keypoint coordinates')
        area = _box_area(ann)
        if area is not None and not area > 0:
            report('zero-area box')
        if check_images and img:
            path = osp.join(img_dir, name)
            if path not in readable:
                readable[path] = osp.isfile(path) and cv2.imread(
                    path, cv2.IMREAD_REDUCED_GRAYSCALE_8) is not None
            if not readable[path]:
                report('image missing' if not osp.isfile(path) else 'image unreadable')
    return bad


def _num_keypoints(ds_cfg: dict) -> int:
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    from mmpose.registry import DATASETS
    meta = ds_cfg.get('metainfo') or DATASETS.get(ds_cfg['type']).METAINFO
    return parse_pose_metainfo(dict(meta))['num_keypoints']


def _leaf_datasets(ds_cfg: dict) -> list:
    if 'datasets' in ds_cfg:
        return [d for sub in ds_cfg['datasets'] for d in _leaf_datasets(sub)]
    if 'dataset' in ds_cfg:
        return _leaf_datasets(ds_cfg['dataset'])
    return [ds_cfg]


def check_dataset_cfg(ds_cfg: dict, drop_to: Optional[str] = None,
                      check_images: bool = True) -> List[BadSample]:
    """Check every annotation file of a dataset config (Concat / wrapped datasets included).

    With ``drop_to`` (a folder), each file with problems is rewritten there without the bad
    annotations, the config is pointed at the copy and each drop is logged; otherwise the
    config is left as it is. Returns all problems found.
    """
    found = []
    for leaf in _leaf_datasets(ds_cfg):
        root = leaf.get('data_root', '') or ''
        ann_file = osp.join(root, leaf['ann_file'])
        img_dir = osp.join(root, (leaf.get('data_prefix') or {}).get('img', ''))
        bad = check_annotation_file(ann_file, img_dir, _num_keypoints(leaf), check_images)
        found += bad
        if bad and drop_to:
            with open(ann_file) as f:
                data = json.load(f)
            drop = {b.ann_id for b in bad}
            data['annotations'] = [a for a in data['annotations'] if a.get('id') not in drop]
            out = osp.join(drop_to, f'{len(found)}_' + osp.basename(ann_file))
            with open(out, 'w') as f:
                json.dump(data, f)
            for b in bad:
                print_log(f'dropped: {b}', logger='current', level=30)
            print_log(f'{ann_file}: dropped {len(drop)} of {len(drop) + len(data["annotations"])}'
                      f' annotations; training reads {out}', logger='current', level=30)
            leaf['ann_file'] = osp.abspath(out)
    return found
