"""Our dataset metainfo files: mmpose's keypoints and flip pairs plus ADNet's boundary groups."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from adnet_mmpose.utils.boundary import load_boundaries, membership

REPO = Path(__file__).resolve().parents[2]


def _meta(dataset):
    return str(REPO / 'configs' / '_base_' / 'datasets' / f'{dataset}.py')


def _r(a, b):
    return list(range(a, b + 1))


# the official boundary groups: (name, indices in curve order, closed)
BOUNDARIES = {
    'wflw': [('face contour', _r(0, 32), False), ('right eyebrow', _r(33, 41), True),
             ('left eyebrow', _r(42, 50), True), ('nose bridge', _r(51, 54), False),
             ('lower nose', _r(55, 59), False), ('right eye', _r(60, 67), True),
             ('left eye', _r(68, 75), True), ('outer lip', _r(76, 87), True),
             ('inner lip', _r(88, 95), True)],
    '300w': [('face contour', _r(0, 16), False), ('right eyebrow', _r(17, 21), False),
             ('left eyebrow', _r(22, 26), False), ('nose bridge', _r(27, 30), False),
             ('lower nose', _r(31, 35), False), ('right eye', _r(36, 41), True),
             ('left eye', _r(42, 47), True), ('outer lip', _r(48, 59), True),
             ('inner lip', _r(60, 67), True)],
    'cofw': [('right eyebrow', [0, 4, 2, 5], True), ('left eyebrow', [1, 6, 3, 7], True),
             ('right eye', [8, 12, 10, 13], True),
             ('left eye', [9, 14, 11, 15], False),  # sic: open in the official table
             ('nose', [18, 20, 19, 21], True), ('lower lip', [22, 26, 23, 27], True),
             ('upper lip', [22, 24, 23, 25], True)],
}

# the official flip pairs
FLIP_PAIRS = {
    'wflw': [(i, 32 - i) for i in range(16)] + [
        (33, 46), (34, 45), (35, 44), (36, 43), (37, 42), (38, 50), (39, 49), (40, 48), (41, 47),
        (60, 72), (61, 71), (62, 70), (63, 69), (64, 68), (65, 75), (66, 74), (67, 73),
        (55, 59), (56, 58), (76, 82), (77, 81), (78, 80), (87, 83), (86, 84), (88, 92), (89, 91),
        (95, 93), (96, 97)],
    '300w': [(i, 16 - i) for i in range(8)] + [
        (17, 26), (18, 25), (19, 24), (20, 23), (21, 22), (31, 35), (32, 34), (36, 45), (37, 44),
        (38, 43), (39, 42), (40, 47), (41, 46), (48, 54), (49, 53), (50, 52), (61, 63), (60, 64),
        (67, 65), (58, 56), (59, 55)],
    'cofw': [(0, 1), (4, 6), (2, 3), (5, 7), (8, 9), (10, 11), (12, 14), (16, 17), (13, 15),
             (18, 19), (22, 23)],
}
NUM_KEYPOINTS = {'wflw': 98, '300w': 68, 'cofw': 29}


@pytest.mark.parametrize('dataset', ['wflw', '300w', 'cofw'])
def test_boundaries_match_spec(dataset):
    groups = load_boundaries(dict(from_file=_meta(dataset)))
    assert [(g.name, list(g.indices), g.closed) for g in groups] == BOUNDARIES[dataset]


@pytest.mark.parametrize('dataset', ['wflw', '300w', 'cofw'])
def test_mmpose_metainfo_still_parses_and_flip_pairs_match_spec(dataset):
    meta = parse_pose_metainfo(dict(from_file=_meta(dataset)))
    assert meta['dataset_name'] == dataset
    assert meta['num_keypoints'] == NUM_KEYPOINTS[dataset]
    pairs = {frozenset(p) for p in meta['flip_pairs']}
    assert pairs == {frozenset(p) for p in FLIP_PAIRS[dataset]}
    flip = np.array(meta['flip_indices'])
    np.testing.assert_array_equal(flip[flip], np.arange(len(flip)))  # an involution


@pytest.mark.parametrize('dataset', ['wflw', '300w', 'cofw'])
def test_flip_maps_boundary_groups_onto_groups(dataset):
    """Flipping permutes whole groups (so flipped edge maps are a channel permutation)."""
    flip = np.array(parse_pose_metainfo(dict(from_file=_meta(dataset)))['flip_indices'])
    groups = load_boundaries(dict(from_file=_meta(dataset)))
    sets = [frozenset(g.indices) for g in groups]
    for g in groups:
        assert frozenset(flip[list(g.indices)]) in sets, g.name


def test_inherits_mmpose_tables_unchanged():
    ours = Config.fromfile(_meta('wflw')).dataset_info
    assert len(ours.keypoint_info) == 98 and ours.keypoint_info[0].swap == 'kpt-32'
    assert 'paper_info' in ours and ours.joint_weights == [1.0] * 98


def test_group_membership():
    k = NUM_KEYPOINTS
    _, bias = membership(load_boundaries(dict(from_file=_meta('300w'))), k['300w'])
    assert not bias.any()  # every 300W landmark in exactly one group
    mat, bias = membership(load_boundaries(dict(from_file=_meta('wflw'))), k['wflw'])
    assert np.nonzero(bias)[0].tolist() == [96, 97] and (mat.sum(1) <= 1).all()
    mat, bias = membership(load_boundaries(dict(from_file=_meta('cofw'))), k['cofw'])
    assert np.nonzero(bias)[0].tolist() == [16, 17, 28]
    assert np.nonzero(mat.sum(1) == 2)[0].tolist() == [22, 23]
