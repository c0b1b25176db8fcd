"""Error-bias split: frames = the ADL loss's normals, synthetic normal / tangent / isotropic
errors, statistics by hand, excluded and degenerate landmarks, bad input, the metric option.

Sampling bound for isotropic noise: with errors iid N(0, σ²) in (x, y) and an orthonormal
(n, t) frame, e_n and e_t are iid N(0, σ²), so over m errors RMS_n² / RMS_t² ~ F(m, m) and
sd(log ratio) ≈ 1 / sqrt(m). The tests allow |log ratio| < 4 / sqrt(m) (4 σ).
Everything else is float64 on fixed seeds (no CPU-kernel dependence): bounds of 1e-9…1e-12
are float64 rounding (eps 2.2e-16) of values up to a few hundred pixels, with a wide margin.
"""
from pathlib import Path

import numpy as np
import pytest
import torch

from adnet_mmpose.evaluation.functional import (ImageInputError, bias_stats, compute_error_bias,
                                                dataset_boundaries, dataset_defaults,
                                                error_components)
from adnet_mmpose.evaluation.functional.io import load_gt
from adnet_mmpose.evaluation.metrics import FaceAlignmentMetric
from adnet_mmpose.models.losses import ADLoss

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / 'shared'
DATASETS = ('wflw', '300w', 'cofw')
EXCLUDED = {'wflw': [96, 97], '300w': [], 'cofw': [16, 17, 28]}


def faces(dataset: str, n: int, seed: int = 0) -> np.ndarray:
    """(n, K, 2) random landmark sets (no three neighbours collinear, almost surely)."""
    k = dataset_defaults(dataset)['num_keypoints']
    return np.random.default_rng(seed).uniform(0, 200, (n, k, 2))


def loss_frames(dataset: str, gt: np.ndarray):
    """Normal and tangent (N, K, 2) from ADLoss itself."""
    meta = dict(from_file=str(REPO / 'configs' / '_base_' / 'datasets' / f'{dataset}.py'))
    n, t = ADLoss(metainfo=meta).normals(torch.from_numpy(gt))
    return n.numpy(), t.numpy()


def norm_dist(dataset: str, gt: np.ndarray) -> np.ndarray:
    (i, ), (j, ) = dataset_defaults(dataset)['norms'][dataset_defaults(dataset)['norm']]
    return np.linalg.norm(gt[:, i] - gt[:, j], axis=-1)


@pytest.mark.parametrize('dataset', DATASETS)
def test_components_use_the_loss_normals(dataset):
    gt = faces(dataset, 6)
    pred = gt + np.random.default_rng(1).normal(0, 3, gt.shape)
    n, t = loss_frames(dataset, gt)
    d = norm_dist(dataset, gt)
    _, comp = compute_error_bias(pred, gt, dataset)
    assert np.array_equal(comp.valid, np.linalg.norm(n, axis=-1) >= 0.5)
    delta = (pred - gt) / d[:, None, None]
    # float64, the same products in another order: ~1e-16 relative
    np.testing.assert_allclose(comp.normal, np.where(comp.valid, (delta * n).sum(-1), 0),
                               atol=1e-12)
    np.testing.assert_allclose(comp.tangent, np.where(comp.valid, (delta * t).sum(-1), 0),
                               atol=1e-12)
    np.testing.assert_allclose(comp.norm_dist, d)


def test_real_faces_use_the_loss_normals():
    path = SHARED / 'fixtures' / 'afw68' / 'val.json'
    if not path.exists():
        pytest.skip(f'{path} is absent (shared/ must sit beside the repo)')
    gt = load_gt(str(path))[0]
    n, _ = loss_frames('300w', gt)
    summary, comp = compute_error_bias(gt + n, gt, '300w')   # 1 px along each normal
    assert comp.valid.all() and summary['degenerate'] == 0
    # float64: gt + n rounds at ~6e-14 px for coordinates below 512 px
    np.testing.assert_allclose(comp.normal * comp.norm_dist[:, None], 1.0, atol=1e-9)
    np.testing.assert_allclose(comp.tangent, 0.0, atol=1e-12)


def _shifted(dataset: str, along: str, n: int = 8):
    gt = faces(dataset, n)
    normal, tangent = loss_frames(dataset, gt)
    size = np.random.default_rng(2).normal(0, 0.05, gt.shape[:2]) * norm_dist(dataset, gt)[:, None]
    return compute_error_bias(gt + size[..., None] * (normal if along == 'n' else tangent), gt,
                              dataset)[0]


@pytest.mark.parametrize('dataset', DATASETS)
def test_pure_normal_shifts(dataset):
    s = _shifted(dataset, 'n')
    # float64 rounding of the shift (~1e-14) against a signal ≥ 1e-3 (shifts of 0.05 NME)
    for stats in [s['overall']] + list(s['groups'].values()) + s['landmarks']:
        assert stats['tangent_RMS'] < 1e-12
        assert stats['normal_RMS'] > 1e-3
        assert stats['normal_tangent_ratio'] > 1e6


@pytest.mark.parametrize('dataset', DATASETS)
def test_pure_tangent_shifts(dataset):
    s = _shifted(dataset, 't')
    # as above, with normal and tangent swapped
    for stats in [s['overall']] + list(s['groups'].values()) + s['landmarks']:
        assert stats['normal_RMS'] < 1e-12
        assert stats['tangent_RMS'] > 1e-3
        assert stats['normal_tangent_ratio'] < 1e-6


@pytest.mark.parametrize('dataset', DATASETS)
def test_isotropic_noise_ratio_is_one_within_sampling_error(dataset):
    gt = faces(dataset, 200, seed=3)
    sigma = 0.04 * norm_dist(dataset, gt)[:, None, None]      # same normalised spread per image
    s = compute_error_bias(gt + sigma * np.random.default_rng(4).normal(size=gt.shape), gt,
                           dataset)[0]
    for stats in [s['overall']] + list(s['groups'].values()) + s['landmarks']:
        bound = 4 / np.sqrt(stats['count'])
        assert abs(np.log(stats['normal_tangent_ratio'])) < bound
        # sd(RMS) / RMS ≈ 1 / sqrt(2m): 2·bound is > 11 σ
        assert stats['normal_RMS'] == pytest.approx(0.04, rel=2 * bound)
    assert s['overall']['count'] == 200 * (gt.shape[1] - len(EXCLUDED[dataset]))


def test_stats_by_hand():
    s = bias_stats(np.array([3., -1.]), np.array([0., 2.]))
    # pytest.approx's default rel 1e-6 against hand-computed float64 values
    assert s == pytest.approx(dict(normal_RMS=np.sqrt(5), tangent_RMS=np.sqrt(2),
                                   normal_tangent_ratio=np.sqrt(2.5), normal_mean=1.,
                                   tangent_mean=1., count=2))
    assert bias_stats(np.array([1.]), np.array([0.]))['normal_tangent_ratio'] == np.inf
    assert np.isnan(bias_stats(np.zeros(2), np.zeros(2))['normal_tangent_ratio'])
    assert bias_stats(np.zeros(0), np.zeros(0))['count'] == 0


@pytest.mark.parametrize('dataset', DATASETS)
def test_ungrouped_landmarks_are_excluded(dataset):
    gt = faces(dataset, 5)
    pred = gt + np.random.default_rng(5).normal(0, 2, gt.shape)
    s = compute_error_bias(pred, gt, dataset)[0]
    assert s['excluded_landmarks'] == EXCLUDED[dataset]
    assert [lm['index'] for lm in s['landmarks']] == [
        k for k in range(gt.shape[1]) if k not in EXCLUDED[dataset]]
    wild = pred.copy()
    wild[:, EXCLUDED[dataset]] += 1e3
    assert compute_error_bias(wild, gt, dataset)[0] == s


def test_landmark_in_two_groups_counts_in_the_group_of_its_normal():
    s = compute_error_bias(faces('cofw', 3) + 1, faces('cofw', 3), 'cofw')[0]
    assert s['groups']['lower lip']['landmarks'] == [26, 27]
    assert s['groups']['upper lip']['landmarks'] == [22, 24, 23, 25]
    assert {lm['index']: lm['group'] for lm in s['landmarks']}[22] == 'upper lip'


def test_degenerate_normals_are_excluded_and_counted():
    gt = faces('300w', 4)
    gt[1, 5] = (gt[1, 4] + gt[1, 6]) / 2          # jaw point on the line through its neighbours
    pred = gt + np.random.default_rng(6).normal(0, 2, gt.shape)
    s, comp = compute_error_bias(pred, gt, '300w')
    assert s['degenerate'] == 1 and not comp.valid[1, 5] and comp.valid.sum() == 4 * 68 - 1
    assert s['landmarks'][5]['count'] == 3
    assert s['groups']['face contour']['count'] == 4 * 17 - 1


@pytest.mark.parametrize('case, pattern', [
    ('k', r'image 0: prediction has 68 landmarks, the dataset has 98'),
    ('nan_pred', r'image 2: prediction has NaN/inf at landmarks \[10\]'),
    ('nan_gt', r'image 1: ground truth has NaN/inf at landmarks \[3\]'),
])
def test_bad_input_names_the_image(case, pattern):
    gt = faces('wflw', 4)
    pred = gt.copy()
    if case == 'k':
        pred = pred[:, :68]
    elif case == 'nan_pred':
        pred[2, 10] = np.nan
    else:
        gt[1, 3, 0] = np.nan
    with pytest.raises(ImageInputError, match=pattern):
        compute_error_bias(pred, gt, 'wflw')
    with pytest.raises(ValueError, match='has 98 landmarks, the dataset has 68'):
        compute_error_bias(faces('wflw', 2), faces('wflw', 2), '300w')


def test_error_components_are_zero_outside_valid():
    gt = faces('wflw', 2)
    comp = error_components(gt + 5, gt, dataset_boundaries('wflw'), norm_dist('wflw', gt))
    assert not comp.valid[:, 96:].any()
    assert (comp.normal[:, 96:] == 0).all() and (comp.tangent[:, 96:] == 0).all()


def _samples(pred, gt, subsets):
    return [dict(id=i, img_id=i, img_path=f'{i}.jpg', raw_ann_info=dict(id=i, subset=sub),
                 pred_instances=dict(keypoints=p[None].astype(np.float32)),
                 gt_instances=dict(keypoints=g[None].astype(np.float32)))
            for i, (p, g, sub) in enumerate(zip(pred, gt, subsets))]


def test_metric_option():
    gt = faces('300w', 6).astype(np.float32).astype(np.float64)
    normal, tangent = loss_frames('300w', gt)
    pred = (gt + 2 * tangent + np.random.default_rng(7).normal(0, 0.5, gt.shape)).astype(
        np.float32).astype(np.float64)
    subsets = ['common', 'common', 'challenge', 'common', 'challenge', 'common']
    results = {}
    for flag in (False, True):
        metric = FaceAlignmentMetric(dataset='300w', error_bias=flag)
        metric.process(None, _samples(pred, gt, subsets))
        results[flag] = metric.evaluate(len(gt))
    keys = ('normal_RMS', 'tangent_RMS', 'normal_tangent_ratio')
    added = set(results[True]) - set(results[False])
    assert added == {f'300w/{p}{k}' for p in ('', 'common/', 'challenge/') for k in keys}
    assert all(results[True][k] == results[False][k] for k in results[False])
    for prefix, mask in (('', slice(None)), ('challenge/', [2, 4])):
        expected = compute_error_bias(pred[mask], gt[mask], '300w')[0]['overall']
        for k in keys:
            # the same float64 computation through the metric: rounding only
            assert results[True][f'300w/{prefix}{k}'] == pytest.approx(expected[k], rel=1e-9)
    # 2 px along the tangent + N(0, 0.5²) noise: the ratio is ≈ 0.5 / 2.06 ≈ 0.24 (408 errors,
    # sampling sd of log ratio ≈ 0.05), far below 0.5
    assert results[True]['300w/normal_tangent_ratio'] < 0.5
