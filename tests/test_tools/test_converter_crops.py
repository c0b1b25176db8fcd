"""From each raw release format to the network input: converter (default ADNet boxes) →
mmpose dataset → the paper config's test pipeline gives the official crop.

Small raw files (WFLW txt, 300-W .pts folders, COFW .mat) are written from the real fixture
faces; the official crop is computed here from its definition — centre of the face box,
``scale = min(w, h) / 200 * 1.05``, ``x' = k(x - c) + 127.5`` with ``k = 256 / (200 scale)``,
``cv2.warpPerspective`` bilinear with a constant border, computed as the official OpenCV did
(source positions at 1/32 px; ``test_adnet_affine.py`` shows it equals the official crops) — on
the raw box of each format.
"""
import json

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from adnet_mmpose.datasets.transforms import warp_perspective_1_32
from tests.conftest import REPO, shared_path
from tests.test_datasets.test_transforms.test_adnet_affine import official_crop_matrix
from tests.test_tools.test_dataset_converters import FOLDERS, converter, write_pts

CONFIGS = REPO / 'configs' / 'adnet'


def official_crop(img, box):
    """(matrix, crop) of the official code for face box ``x1, y1, x2, y2``."""
    x1, y1, x2, y2 = box
    scale = min(x2 - x1, y2 - y1) / 200 * 1.05
    m = official_crop_matrix(scale, (x1 + x2) / 2, (y1 + y2) / 2)
    return m, warp_perspective_1_32(img, m, (256, 256))


def pipeline_outputs(dataset, data_root, ann_file, img_prefix):
    """The paper config's test pipeline (without packing) on the converted json."""
    from mmpose.registry import DATASETS
    cfg = Config.fromfile(str(CONFIGS / f'td-adnet_hg4x256_1xb32-500e_{dataset}-256x256.py'))
    ds = cfg.test_dataloader.dataset
    ds.update(data_root=str(data_root), ann_file=str(ann_file),
              data_prefix=dict(img=img_prefix),
              pipeline=[t for t in ds.pipeline if t['type'] != 'PackPoseInputs'])
    assert [t['type'] for t in ds.pipeline][-1] == 'ADNetAffine'
    dataset = DATASETS.build(ds)
    return [dataset[i] for i in range(len(dataset))]


def assert_official(out, img, box, keypoints):
    m, ref = official_crop(img, box)
    # the datasets keep the centre and the side in float32 (2^-24 relative each): the matrix
    # entries agree to a few float32 ulps
    np.testing.assert_allclose(out['crop_matrix'][:2], m[:2], rtol=3e-7, atol=1e-9)
    diff = np.abs(out['img'].astype(int) - ref.astype(int))
    # the float32 box can move a source position across a 1/32-px rounding boundary: one grey
    # level on a few pixels at most
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3, (diff.max(), (diff > 0).mean())
    want = keypoints @ m[:2, :2].T + m[:2, 2]
    np.testing.assert_allclose(out['transformed_keypoints'][0], want, atol=1e-3)


def test_wflw_release_txt(tmp_path):
    src = shared_path('fixtures', 'mmpose_samples', 'wflw')
    data = json.loads((src / 'test_wflw.json').read_text())
    images = {im['id']: im['file_name'] for im in data['images']}
    lines, faces = [], []
    for a in data['annotations']:
        xy = np.reshape(a['keypoints'], (-1, 3))[:, :2]
        x, y, w, h = a['bbox']
        rect = [x, y, x + w, y + h]     # the release's x_min y_min x_max y_max
        name = f'0--Fixture/{images[a["image_id"]]}'
        lines.append(' '.join(repr(float(v)) for v in [*xy.reshape(-1), *rect]) +
                     ' 0 1 0 0 1 0 ' + name)
        faces.append((name, rect, xy))
        img_dir = tmp_path / 'WFLW_images' / '0--Fixture'
        img_dir.mkdir(parents=True, exist_ok=True)
        if not (img_dir / images[a['image_id']]).exists():
            (img_dir / images[a['image_id']]).symlink_to(src / images[a['image_id']])
    ann_dir = tmp_path / 'WFLW_annotations' / 'list_98pt_rect_attr_train_test'
    ann_dir.mkdir(parents=True)
    for split in ('train', 'test'):
        (ann_dir / f'list_98pt_rect_attr_{split}.txt').write_text('\n'.join(lines) + '\n')
    converter('wflw2json').convert(str(tmp_path), str(tmp_path / 'annotations'))
    outs = pipeline_outputs('wflw', tmp_path, 'annotations/face_landmarks_wflw_test.json',
                            'WFLW_images/')
    assert len(outs) == len(faces) == 4
    for out, (name, rect, xy) in zip(outs, faces):
        img = cv2.imread(str(tmp_path / 'WFLW_images' / name))
        assert_official(out, img, rect, xy)


def test_300w_pts_folders(tmp_path):
    src = shared_path('fixtures', 'mmpose_samples', '300w')
    data = json.loads((src / 'test_300w.json').read_text())
    images = {im['id']: im['file_name'] for im in data['images']}
    anns = sorted(data['annotations'], key=lambda a: a['id'])
    faces = {}
    for n, folder in enumerate(FOLDERS):   # every 300-W folder, the two faces in turn
        a = anns[n % 2]
        d = tmp_path / folder
        d.mkdir(parents=True)
        name = images[a['image_id']]
        (d / name).symlink_to(src / name)
        write_pts(d / (name.rsplit('.', 1)[0] + '.pts'),
                  np.reshape(a['keypoints'], (-1, 3))[:, :2] + 1)   # .pts are 1-based
        xy = converter('300w2json').read_pts(str(d / (name.rsplit('.', 1)[0] + '.pts'))) - 1
        faces[f'{folder}/{name}'] = xy
    converter('300w2json').convert(str(tmp_path), str(tmp_path / 'annotations'))
    outs = pipeline_outputs('300w', tmp_path, 'annotations/face_landmarks_300w_valid.json', '')
    assert len(outs) == 3
    for out in outs:
        rel = out['img_path'][len(str(tmp_path)) + 1:]
        xy = faces[rel]
        box = [*xy.min(0), *xy.max(0)]   # no face box in the .pts release: the landmarks'
        assert_official(out, cv2.imread(out['img_path']), box, xy)


def test_cofw_mat(tmp_path):
    from scipy.io import savemat
    src = shared_path('fixtures', 'mmpose_samples', 'cofw')
    data = json.loads((src / 'test_cofw.json').read_text())
    images = {im['id']: im['file_name'] for im in data['images']}
    cell, phis, boxes = np.empty((2, 1), dtype=object), [], []
    for n, a in enumerate(data['annotations']):
        cell[n, 0] = cv2.imread(str(src / images[a['image_id']]))[..., ::-1]   # RGB in .mat
        k = np.reshape(a['keypoints'], (-1, 3))
        phis.append(np.concatenate([k[:, 0] + 1, k[:, 1] + 1, (k[:, 2] == 1).astype(float)]))
        boxes.append(np.asarray(a['bbox']) + [1, 1, 0, 0])   # MATLAB 1-based x y w h
    for split, suffix in (('train', 'Tr'), ('test', 'T')):
        savemat(tmp_path / f'{split}.mat', {f'Is{suffix}': cell, f'phis{suffix}': np.array(phis),
                                            f'bboxes{suffix}': np.array(boxes)})
    out_dir = tmp_path / 'cofw'
    converter('cofw2json').convert(str(tmp_path / 'train.mat'), str(tmp_path / 'test.mat'),
                                   str(out_dir))
    outs = pipeline_outputs('cofw', out_dir, 'annotations/cofw_test.json', 'images/')
    assert len(outs) == 2
    for out, a in zip(outs, data['annotations']):
        x, y, w, h = a['bbox']   # 0-based again
        img = cv2.imread(out['img_path'])   # the converter's file: what training reads
        assert_official(out, img, [x, y, x + w, y + h],
                        np.reshape(a['keypoints'], (-1, 3))[:, :2])


def test_hrnet_boxes_switch(tmp_path):
    """``--box hrnet`` writes mmpose's rule; the config's crop_style='hrnet' pads 1.25 with
    mmpose's TopdownAffine."""
    text = (CONFIGS / 'td-adnet_hg4x256_1xb32-500e_wflw-256x256.py').read_text()
    assert "crop_style = 'adnet'" in text
    cfg = Config.fromstring(text.replace("crop_style = 'adnet'", "crop_style = 'hrnet'"), '.py')
    types = [(t['type'], t.get('padding')) for t in cfg.test_dataloader.dataset.pipeline]
    assert types[1:3] == [('GetBBoxCenterScale', 1.25), ('TopdownAffine', None)]
    cfg = Config.fromfile(str(CONFIGS / 'td-adnet_hg4x256_1xb32-500e_wflw-256x256.py'))
    types = [(t['type'], t.get('padding')) for t in cfg.train_dataloader.dataset.pipeline]
    assert ('GetBBoxCenterScale', 1.0) in types and ('ADNetAffine', None) in types
