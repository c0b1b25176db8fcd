"""Dataset converters on small files of each release format written here, loaded back with
mmpose's dataset classes; 300W also against the afw68 fixture (its box rule is the converter's
``--box hrnet``); the held-out validation split."""
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import load_script

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / '..' / 'shared'


def converter(name):
    return load_script(f'tools/dataset_converters/{name}.py')


def load(cls, root, ann_file, img_prefix):
    import adnet_mmpose  # noqa: F401
    from mmpose.registry import DATASETS
    ds = DATASETS.build(dict(type=cls, data_root=str(root), ann_file=str(ann_file),
                             data_mode='topdown', data_prefix=dict(img=img_prefix),
                             pipeline=[], test_mode=True))
    return [ds.get_data_info(i) for i in range(len(ds))]


def face(rng, k, w=120, h=100):
    return np.stack([rng.uniform(10, w - 10, k), rng.uniform(10, h - 10, k)], 1).round(3)


def test_wflw(tmp_path):
    rng = np.random.default_rng(0)
    ann_dir = tmp_path / 'WFLW_annotations' / 'list_98pt_rect_attr_train_test'
    ann_dir.mkdir(parents=True)
    faces, lines = {}, {}
    for split, rows in (('train', [('1--A/a.jpg', [0] * 6)]),
                        ('test', [('2--B/b.jpg', [1, 0, 0, 0, 1, 0]),
                                  ('2--B/b.jpg', [0, 1, 0, 0, 1, 1]),
                                  ('3--C/c.jpg', [0, 0, 0, 0, 0, 0])])):
        lines[split] = []
        for name, flags in rows:
            img = tmp_path / 'WFLW_images' / name
            img.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(img), np.zeros((100, 120, 3), np.uint8))
            xy = face(rng, 98)
            faces.setdefault(split, []).append(xy)
            rect = [5, 6, 110, 95]
            lines[split].append(' '.join(map(str, [*xy.reshape(-1), *rect, *flags, name])))
        (ann_dir / f'list_98pt_rect_attr_{split}.txt').write_text('\n'.join(lines[split]) + '\n')
    out = tmp_path / 'annotations'
    converter('wflw2json').main(['--root', str(tmp_path), '--out-dir', str(out)])
    test = load('WFLWDataset', tmp_path, out / 'face_landmarks_wflw_test.json', 'WFLW_images/')
    assert len(test) == 3 and test[0]['img_id'] == test[1]['img_id'] != test[2]['img_id']
    for info, xy in zip(test, faces['test']):
        # mmpose loads keypoints as float32: ulp ≤ 6e-5 px below 1024 px
        np.testing.assert_allclose(info['keypoints'][0], xy, atol=1e-4)
        assert info['keypoints_visible'].min() == 1
        assert os.path.isfile(info['img_path'])
    raw = json.loads((out / 'face_landmarks_wflw_test.json').read_text())
    a = raw['annotations'][1]
    assert a['attributes'] == dict(pose=0, expression=1, illumination=0, makeup=0, occlusion=1,
                                   blur=1)
    assert a['bbox'] == [5.0, 6.0, 105.0, 89.0]
    # ADNet's rule on the face rectangle (default --box adnet)
    assert a['center'] == [57.5, 50.5] and a['scale'] == pytest.approx(89 / 200 * 1.05, abs=1e-15)
    converter('wflw2json').main(['--root', str(tmp_path), '--out-dir', str(tmp_path / 'hr'),
                                 '--box', 'hrnet'])
    b = json.loads((tmp_path / 'hr' / 'face_landmarks_wflw_test.json').read_text())
    lo, hi = faces['test'][1].min(0), faces['test'][1].max(0)
    np.testing.assert_allclose(b['annotations'][1]['center'], (lo + hi) / 2)
    assert b['annotations'][1]['scale'] == np.ceil((hi - lo).max()) / 200
    assert raw['info'] == dict(box='adnet') and b['info'] == dict(box='hrnet')
    ids = [a['id'] for a in raw['annotations']]
    occ = json.loads((out / 'face_landmarks_wflw_test_occlusion.json').read_text())
    assert [a['id'] for a in occ['annotations']] == ids[:2] and len(occ['images']) == 1
    pose = json.loads((out / 'face_landmarks_wflw_test_largepose.json').read_text())
    assert [a['id'] for a in pose['annotations']] == ids[:1]
    assert len(load('WFLWDataset', tmp_path, out / 'face_landmarks_wflw_test_blur.json',
                    'WFLW_images/')) == 1
    train = json.loads((out / 'face_landmarks_wflw_train.json').read_text())
    assert len(train['annotations']) == 1 and not set(ids) & {train['annotations'][0]['id']}
    with pytest.raises(ValueError, match='expected 207 fields, got 206'):
        converter('wflw2json').parse_line(lines['train'][0].rsplit(' ', 2)[0] + ' x.jpg', 'f:1')


def write_pts(path, xy, header=True):
    body = '\n'.join(f'{x:.3f} {y:.3f}' for x, y in xy)
    path.write_text(f'version: 1\nn_points:  {len(xy)}\n{{\n{body}\n}}\n' if header else body)


FOLDERS = ('lfpw/trainset', 'helen/trainset', 'afw', 'lfpw/testset', 'helen/testset', 'ibug')


def test_300w_synthetic(tmp_path):
    rng = np.random.default_rng(1)
    truth = {}
    for n, folder in enumerate(FOLDERS):
        d = tmp_path / folder
        d.mkdir(parents=True)
        xy = face(rng, 68)
        truth[folder] = xy
        ext = '.png' if n % 2 else '.jpg'
        cv2.imwrite(str(d / f'img{n}{ext}'), np.zeros((100, 120, 3), np.uint8))
        write_pts(d / f'img{n}.pts', xy + 1, header=n != 2)  # 1-based; afw without header
    out = tmp_path / 'annotations'
    converter('300w2json').main(['--root', str(tmp_path), '--out-dir', str(out)])
    files = dict(train='face_landmarks_300w_train.json',
                 common='face_landmarks_300w_valid_common.json',
                 challenge='face_landmarks_300w_valid_challenge.json',
                 full='face_landmarks_300w_valid.json')
    raw = {k: json.loads((out / v).read_text()) for k, v in files.items()}
    assert [len(raw[k]['annotations']) for k in files] == [3, 2, 1, 3]
    assert [a['subset'] for a in raw['full']['annotations']] == ['common', 'common', 'challenge']
    assert [a['id'] for a in raw['full']['annotations']] == [
        a['id'] for k in ('common', 'challenge') for a in raw[k]['annotations']]
    infos = load('Face300WDataset', tmp_path, out / files['full'], '')
    for info, folder in zip(infos, FOLDERS[3:]):
        np.testing.assert_allclose(info['keypoints'][0], truth[folder], atol=1e-4)  # 0-based
        assert os.path.isfile(info['img_path'])
    assert raw['train']['images'][2]['file_name'] == 'afw/img2.jpg'
    # ADNet's rule on the tight landmark box (the .pts release has no face box)
    a, xy = raw['full']['annotations'][2], truth['ibug']
    lo, hi = xy.min(0), xy.max(0)
    np.testing.assert_allclose(a['center'], (lo + hi) / 2, atol=1e-9)
    assert a['scale'] == pytest.approx((hi - lo).min() / 200 * 1.05, abs=1e-12)
    bad = tmp_path / 'bad.pts'
    write_pts(bad, truth['afw'][:67])
    bad.write_text(bad.read_text().replace('n_points:  67', 'n_points:  68'))
    with pytest.raises(ValueError, match='header says 68 points, found 67'):
        converter('300w2json').read_pts(str(bad))


def test_300w_matches_afw68_fixture(tmp_path):
    """Faces of the afw68 fixture written back as 1-based .pts: same keypoints, centre, scale
    and bbox as the fixture json (its box rule is the converter's)."""
    fixture = SHARED / 'fixtures' / 'afw68'
    if not fixture.exists():
        pytest.skip(f'{fixture} is absent (shared/ must sit beside the repo)')
    data = json.loads((fixture / 'val.json').read_text())
    images = {im['id']: im for im in data['images']}
    anns = sorted(data['annotations'], key=lambda a: a['id'])[:len(FOLDERS)]
    for folder, a in zip(FOLDERS, anns):
        d = tmp_path / folder
        d.mkdir(parents=True)
        name = images[a['image_id']]['file_name']
        os.symlink(fixture / 'images' / name, d / name)
        write_pts(d / (os.path.splitext(name)[0] + '.pts'),
                  np.reshape(a['keypoints'], (-1, 3))[:, :2] + 1)
    out = tmp_path / 'out'
    converter('300w2json').convert(str(tmp_path), str(out), box='hrnet')
    got = [a for f in ('face_landmarks_300w_train.json', 'face_landmarks_300w_valid.json')
           for a in json.loads((out / f).read_text())['annotations']]
    for g, a in zip(got, anns):
        # .pts written with 3 decimals: keypoints within 5e-4 px, box edges / centre likewise
        np.testing.assert_allclose(g['keypoints'], a['keypoints'], atol=1e-3)
        np.testing.assert_allclose(g['center'], a['center'], atol=2e-3)
        assert g['scale'] == a['scale']
        np.testing.assert_allclose(g['bbox'], a['bbox'], atol=2e-3)
        np.testing.assert_allclose(g['area'], a['area'], rtol=1e-4)


def cofw_arrays(rng, n, first_gray=False):
    images, phis = [], []
    for i in range(n):
        h, w = 40 + 5 * i, 50 + 3 * i
        img = rng.integers(0, 255, (h, w) if first_gray and i == 0 else (h, w, 3), dtype=np.uint8)
        images.append(img)
        xy = face(rng, 29, w, h) + 1  # MATLAB 1-based
        occ = (rng.uniform(size=29) < 0.3).astype(float)
        phis.append(np.concatenate([xy[:, 0], xy[:, 1], occ]))
    boxes = np.array([[3 + i, 4, 30, 25] for i in range(n)], dtype=float)
    return images, np.array(phis), boxes


def write_v73(path, suffix, images, phis, boxes):
    """A MATLAB v7.3 file as MATLAB lays it out in HDF5 (column-major: arrays transposed,
    the image cell array as object references under #refs#)."""
    import h5py
    with h5py.File(path, 'w', userblock_size=512) as f:
        refs = f.create_group('#refs#')
        ref_arr = np.empty((1, len(images)), dtype=h5py.ref_dtype)
        for i, img in enumerate(images):
            ref_arr[0, i] = refs.create_dataset(f'img{i}', data=img.T).ref
        f.create_dataset(f'Is{suffix}', data=ref_arr).attrs['MATLAB_class'] = np.bytes_('cell')
        f.create_dataset(f'phis{suffix}', data=phis.T)
        f.create_dataset(f'bboxes{suffix}', data=boxes.T)


def write_v5(path, suffix, images, phis, boxes):
    from scipy.io import savemat
    cell = np.empty((len(images), 1), dtype=object)
    for i, img in enumerate(images):
        cell[i, 0] = img
    savemat(path, {f'Is{suffix}': cell, f'phis{suffix}': phis, f'bboxes{suffix}': boxes})


@pytest.mark.parametrize('writer', [write_v73, write_v5])
def test_cofw(tmp_path, writer):
    pytest.importorskip('h5py')
    rng = np.random.default_rng(2)
    train, test = cofw_arrays(rng, 2, first_gray=True), cofw_arrays(rng, 1)
    writer(tmp_path / 'COFW_train_color.mat', 'Tr', *train)
    writer(tmp_path / 'COFW_test_color.mat', 'T', *test)
    out = tmp_path / 'cofw'
    converter('cofw2json').main(['--train-mat', str(tmp_path / 'COFW_train_color.mat'),
                                 '--test-mat', str(tmp_path / 'COFW_test_color.mat'),
                                 '--out-dir', str(out)])
    infos = load('COFWDataset', out, out / 'annotations' / 'cofw_train.json', 'images/')
    assert [i['img_id'] for i in infos] == [1, 2]
    for info, img, phi in zip(infos, train[0], train[1]):
        np.testing.assert_allclose(info['keypoints'][0],
                                   np.stack([phi[:29], phi[29:58]], 1) - 1, atol=1e-4)
        stored = cv2.imread(info['img_path'], cv2.IMREAD_UNCHANGED)
        assert stored.shape[:2] == img.shape[:2]
        if img.ndim == 3:  # RGB in the .mat, BGR on disk (JPEG: compare the mean colour)
            np.testing.assert_allclose(stored.reshape(-1, 3).mean(0),
                                       img[..., ::-1].reshape(-1, 3).mean(0), atol=3)
    raw = json.loads((out / 'annotations' / 'cofw_train.json').read_text())
    vis = np.reshape(raw['annotations'][0]['keypoints'], (-1, 3))[:, 2]
    np.testing.assert_array_equal(vis, np.where(train[1][0, 58:] > 0, 1, 2))
    assert raw['annotations'][1]['bbox'] == [3.0, 3.0, 30.0, 25.0]  # 1-based corner - 1
    # ADNet's rule on the release's box: its centre, min(w, h) / 200 * 1.05
    assert raw['annotations'][1]['center'] == [18.0, 15.5]
    assert raw['annotations'][1]['scale'] == pytest.approx(25 / 200 * 1.05, abs=1e-15)
    hr = tmp_path / 'hr'
    converter('cofw2json').main(['--train-mat', str(tmp_path / 'COFW_train_color.mat'),
                                 '--test-mat', str(tmp_path / 'COFW_test_color.mat'),
                                 '--out-dir', str(hr), '--box', 'hrnet'])
    assert 'center' not in json.loads((hr / 'annotations' / 'cofw_test.json').read_text())[
        'annotations'][0]  # mmpose's COFW json: COFWDataset crops the bbox
    test_raw = json.loads((out / 'annotations' / 'cofw_test.json').read_text())
    assert [im['file_name'] for im in test_raw['images']] == ['000003.jpg']
    assert len(load('COFWDataset', out, out / 'annotations' / 'cofw_test.json', 'images/')) == 1


def test_holdout_split_whole_images_seeded(tmp_path):
    """5 % of the training images (whole images) held out; the rest is trained on."""
    face_json = converter('face_json')
    images = [dict(id=i, file_name=f'd/img{i}.jpg') for i in range(1, 201)]
    anns = [dict(id=10 * i + j, image_id=i) for i in range(1, 201) for j in range(1 + i % 3)]
    paths = face_json.write_with_holdout(str(tmp_path / 'x_train.json'), images, anns, 0.05, 0)
    assert [os.path.basename(p) for p in paths] == [
        'x_train.json', 'x_train_holdout.json', 'x_train_without_holdout.json']
    full, held, rest = (json.loads(open(p).read()) for p in paths)
    held_imgs = {a['image_id'] for a in held['annotations']}
    rest_imgs = {a['image_id'] for a in rest['annotations']}
    assert len(held_imgs) == 10 and not held_imgs & rest_imgs
    assert sorted(a['id'] for a in held['annotations'] + rest['annotations']) == sorted(
        a['id'] for a in full['annotations'])
    assert held['info']['holdout'] == dict(fraction=0.05, seed=0, source='x_train.json')
    # the same files in another order give the same split; another seed another one
    assert face_json.holdout_images(images[::-1], 0.05, 0) == held_imgs
    assert face_json.holdout_images(images, 0.05, 1) != held_imgs
    assert face_json.holdout_images(images, 0., 0) == set()
    with pytest.raises(ValueError, match='holdout-fraction'):
        face_json.holdout_images(images, 1.0, 0)
    # mmpose's downloadable json: the same rule from the command line
    written = converter('holdout_split').main([paths[0], '--fraction', '0.05', '--seed', '0'])
    assert json.loads(open(written[0]).read())['annotations'] == held['annotations']


def test_holdout_split_by_photo(tmp_path):
    """--by photo holds out whole photos: 10 % of the 50 photos (5), with all their crops."""
    face_json = converter('face_json')
    assert face_json.photo_id('a/100040721_2.jpg') == '100040721'
    assert face_json.photo_id('image_0001.png') == 'image'
    assert face_json.photo_id('img7.jpg') == 'img7'
    # 50 photos with 1-3 face crops each, named <photo>_<face>.jpg as in 300-W's HELEN/AFW
    images = [dict(id=100 * p + f, file_name=f'{1000 + p}_{f}.jpg', width=9, height=9)
              for p in range(50) for f in range(1, 2 + p % 3)]
    anns = [dict(id=im['id'], image_id=im['id']) for im in images]
    path = tmp_path / 'train.json'
    path.write_text(json.dumps(dict(images=images, annotations=anns, categories=[])))
    held_path, rest_path = converter('holdout_split').main(
        [str(path), '--by', 'photo', '--fraction', '0.1', '--out-dir', str(tmp_path / 'out')])
    assert os.path.dirname(held_path) == str(tmp_path / 'out')
    held, rest = (json.loads(open(p).read()) for p in (held_path, rest_path))
    photos = lambda d: {face_json.photo_id(im['file_name']) for im in d['images']}  # noqa: E731
    assert len(photos(held)) == 5 and not photos(held) & photos(rest)
    assert len(held['annotations']) + len(rest['annotations']) == len(anns)
    # every crop of a held-out photo is held out
    assert {im['id'] for im in held['images']} == {
        im['id'] for im in images if face_json.photo_id(im['file_name']) in photos(held)}
    assert held['info']['holdout']['by'] == 'photo'


def test_adnet_and_hrnet_boxes():
    face_json = converter('face_json')
    c, s = face_json.adnet_center_scale([10., 20., 110., 140.])
    assert c == [60., 80.] and s == pytest.approx(100 / 200 * 1.05, abs=1e-15)
    xy = np.array([[10., 20.], [110.2, 140.]])
    assert face_json.hrnet_center_scale(xy) == ([60.1, 80.], 120 / 200)
    with pytest.raises(ValueError, match='empty face box'):
        face_json.adnet_center_scale([5, 5, 5, 9])
