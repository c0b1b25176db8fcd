"""Pre-flight check of face-landmark annotation files (run by ``tools/train.py``).

Every problem of every sample is found before training starts, so that a bad annotation or
image never stops a run mid-epoch: missing or unreadable image, keypoint count not matching
the dataset's metainfo, non-finite keypoints, zero-area box.

The check understands mmpose's COCO-style face datasets (:data:`CHECKED_DATASETS` with a
``.json`` annotation file) and steps aside, with one log line, for any other dataset class or
annotation format. Results are cached per annotation file (path, size, modification time,
image folder) in :func:`cache_dir`, so a resume or a second run decodes no image again.
"""
import hashlib
import json
import os
import os.path as osp
import time
from typing import List, NamedTuple, Optional

import cv2
import numpy as np
from mmengine.logging import print_log

#: Dataset classes whose annotation files this check reads (COCO-style json, ``keypoints``
#: holding the K face landmarks, ``bbox`` or ``scale`` per face).
CHECKED_DATASETS = ('Face300WDataset', 'Face300WLPDataset', 'Face300VWDataset', 'WFLWDataset',
                    'COFWDataset', 'AFLWDataset', 'LapaDataset')
_VERSION = 1   # of the cached results' format


class BadSample(NamedTuple):
    ann_file: str
    ann_id: object
    image: str
    reason: str

    def __str__(self):
        return f'{self.ann_file}: annotation id {self.ann_id} ({self.image}): {self.reason}'


class FileCheck(NamedTuple):
    """Result of one annotation file: its problems and how many samples were checked."""
    bad: List[BadSample]
    samples: int


def cache_dir() -> str:
    """``$XDG_CACHE_HOME/adnet-mmpose/data-check`` (default ``~/.cache/...``)."""
    root = os.environ.get('XDG_CACHE_HOME') or osp.join(osp.expanduser('~'), '.cache')
    return osp.join(root, 'adnet-mmpose', 'data-check')


def _box_area(ann: dict) -> Optional[float]:
    if 'scale' in ann:
        return float(ann['scale']) ** 2
    if 'bbox' in ann:
        return float(ann['bbox'][2]) * float(ann['bbox'][3])
    return None


def check_annotation_file(ann_file: str, img_dir: str, num_keypoints: int,
                          check_images: bool = True) -> FileCheck:
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
    annotations = data.get('annotations', [])
    for ann in annotations:
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
    return FileCheck(bad, len(annotations))


def _cache_file(ann_file: str, img_dir: str, num_keypoints: int, check_images: bool) -> str:
    stat = os.stat(ann_file)
    img_mtime = os.stat(img_dir).st_mtime_ns if osp.isdir(img_dir) else None
    key = json.dumps([_VERSION, osp.abspath(ann_file), stat.st_size, stat.st_mtime_ns,
                      osp.abspath(img_dir), img_mtime, num_keypoints, check_images])
    return osp.join(cache_dir(), hashlib.sha1(key.encode()).hexdigest() + '.json')


def cached_check(ann_file: str, img_dir: str, num_keypoints: int, check_images: bool = True,
                 wait: float = 0.) -> FileCheck:
    """:func:`check_annotation_file` through the cache. With ``wait`` > 0, wait up to that
    many seconds for another process (rank 0) to write the result instead of computing it."""
    path = _cache_file(ann_file, img_dir, num_keypoints, check_images)
    deadline = time.monotonic() + wait
    while wait and not osp.isfile(path) and time.monotonic() < deadline:
        time.sleep(1.)
    if osp.isfile(path):
        with open(path) as f:
            cached = json.load(f)
        return FileCheck([BadSample(*b) for b in cached['bad']], cached['samples'])
    result = check_annotation_file(ann_file, img_dir, num_keypoints, check_images)
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(f'{path}.{os.getpid()}', 'w') as f:
        json.dump(dict(bad=[list(b) for b in result.bad], samples=result.samples), f)
    os.replace(f'{path}.{os.getpid()}', path)
    return result


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


def _not_checked(leaf: dict) -> Optional[str]:
    """Why the check steps aside for this dataset config (None: it is checked)."""
    kind = str(leaf.get('type', '?')).split('.')[-1]
    if kind not in CHECKED_DATASETS:
        return f'{kind} is not one of the COCO-style face datasets the check reads'
    if not str(leaf.get('ann_file', '')).endswith('.json'):
        return f"annotation file {leaf.get('ann_file')!r} is not COCO-style json"
    return None


def check_dataset_cfg(ds_cfg: dict, drop_to: Optional[str] = None, check_images: bool = True,
                      wait: float = 0., name: str = 'dataset') -> List[BadSample]:
    """Check every annotation file of a dataset config (Concat / wrapped datasets included)
    that :data:`CHECKED_DATASETS` covers; log one line for each one skipped and a summary.

    With ``drop_to`` (a folder), each file with problems is rewritten there without the bad
    annotations, the config is pointed at the copy and each drop is logged; otherwise the
    config is left as it is. ``wait``: see :func:`cached_check`. Returns all problems found.
    """
    found, samples = [], 0
    for i, leaf in enumerate(_leaf_datasets(ds_cfg)):
        root = leaf.get('data_root', '') or ''
        ann_file = osp.join(root, str(leaf.get('ann_file', '')))
        reason = _not_checked(leaf)
        if reason:
            print_log(f'data check: {name}: {ann_file} not checked ({reason})', logger='current')
            continue
        img_dir = osp.join(root, (leaf.get('data_prefix') or {}).get('img', ''))
        result = cached_check(ann_file, img_dir, _num_keypoints(leaf), check_images, wait)
        found += result.bad
        samples += result.samples
        if result.bad and drop_to:
            _drop(leaf, ann_file, result.bad, osp.join(drop_to, f'{i}_' + osp.basename(ann_file)))
    if samples:
        print_log(f'data check: {name}: {samples:,} samples checked, {len(found)} problem(s)',
                  logger='current')
    return found


def _drop(leaf: dict, ann_file: str, bad: List[BadSample], out: str) -> None:
    """Point ``leaf`` at a copy of ``ann_file`` without the ``bad`` annotations."""
    with open(ann_file) as f:
        data = json.load(f)
    drop = {b.ann_id for b in bad}
    data['annotations'] = [a for a in data['annotations'] if a.get('id') not in drop]
    with open(f'{out}.{os.getpid()}', 'w') as f:
        json.dump(data, f)
    os.replace(f'{out}.{os.getpid()}', out)
    for b in bad:
        print_log(f'dropped: {b}', logger='current', level=30)
    print_log(f'{ann_file}: dropped {len(drop)} of {len(drop) + len(data["annotations"])}'
              f' annotations; training reads {out}', logger='current', level=30)
    leaf['ann_file'] = osp.abspath(out)
