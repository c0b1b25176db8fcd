"""The WFLW-98 → 300-W-68 table: one-to-one, flip-consistent, curve order kept, anchor points."""
import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from adnet_mmpose.datasets.layouts import WFLW_TO_300W, wflw_to_300w
from adnet_mmpose.utils.boundary import load_boundaries
from tests.conftest import REPO

META = {name: dict(from_file=str(REPO / f'configs/_base_/datasets/{name}.py'))
        for name in ('wflw', '300w')}


def test_one_to_one_into_wflw():
    assert WFLW_TO_300W.shape == (68, ) and len(set(WFLW_TO_300W.tolist())) == 68
    assert WFLW_TO_300W.min() >= 0 and WFLW_TO_300W.max() < 96   # pupils are not used


def test_commutes_with_horizontal_flip():
    flip_w = parse_pose_metainfo(META['wflw'])['flip_indices']
    flip_3 = parse_pose_metainfo(META['300w'])['flip_indices']
    np.testing.assert_array_equal(np.asarray(flip_w)[WFLW_TO_300W], WFLW_TO_300W[flip_3])


def test_each_300w_curve_comes_in_order_from_one_wflw_curve():
    wflw, w300 = load_boundaries(META['wflw']), load_boundaries(META['300w'])
    for group in w300:
        src = WFLW_TO_300W[list(group.indices)]
        (owner, ) = [g for g in wflw if set(src) <= set(g.indices)]
        assert owner.name == group.name
        pos = [owner.indices.index(i) for i in src]
        assert pos == sorted(pos), group.name


def test_anchor_points():
    # 300-W: chin 8, nose tip 30, eye corners 36/39/42/45, mouth corners 48/54
    expected = {8: 16, 30: 54, 36: 60, 39: 64, 42: 68, 45: 72, 48: 76, 54: 82}
    assert {k: int(WFLW_TO_300W[k]) for k in expected} == expected


def test_maps_keypoints_and_scores():
    kpts = np.arange(2 * 98 * 2, dtype=np.float32).reshape(2, 98, 2)
    out, scores = wflw_to_300w(kpts, kpts[..., 0])
    assert out.shape == (2, 68, 2) and scores.shape == (2, 68)
    np.testing.assert_array_equal(out[1, 30], kpts[1, 54])
    with pytest.raises(ValueError, match='98 WFLW landmarks'):
        wflw_to_300w(kpts[:, :68], kpts[:, :68, 0])
