"""Face-alignment metric functions: parity with the reference numbers of the official / STAR code, hand-computed
cases and input errors.

All in float64 NumPy (no CPU-kernel dependence): reference values within the reference's stated
1e-6 absolute, hand-computed values within assert_allclose's default rtol 1e-7 or a stated
float64 rounding bound."""
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import simpson as scipy_simpson

from adnet_mmpose.evaluation.functional import (ImageInputError, auc, ced, ced_grid,
                                                face_alignment_nme, failure_rate,
                                                nme_percentiles, resolve_norm, simpson,
                                                summarize)

PARITY = (Path(__file__).resolve().parents[2] / '..' / 'shared' / 'spec' / 'parity' /
          'metrics_io.npz')
NORM_NAMES = {'default': None, 'pupil': 'inter_pupil', 'ocular': 'inter_ocular'}


@pytest.fixture(scope='module')
def parity():
    if not PARITY.exists():
        pytest.skip(f'{PARITY} is absent (shared/ must sit beside the repo)')
    with np.load(PARITY) as z:
        return dict(z)


@pytest.mark.parametrize('dataset', ['300W', 'WFLW', 'COFW'])
@pytest.mark.parametrize('norm', ['default', 'pupil', 'ocular'])
def test_parity(parity, dataset, norm):
    nme, _ = face_alignment_nme(parity[f'{dataset}_pred'], parity[f'{dataset}_gt'],
                                dataset.lower(), NORM_NAMES[norm])
    for thr in (0.1, 0.08, 0.05):
        key = f'{dataset}_{norm}_{thr:g}'
        s = summarize(nme, thr)
        np.testing.assert_allclose(nme, parity[f'{key}_nme_per_image'], rtol=0, atol=1e-6)
        assert abs(s['NME'] - parity[f'{key}_nme']) <= 1e-6
        assert abs(s[f'FR@{thr:g}'] - parity[f'{key}_fr']) <= 1e-6
        assert abs(s[f'AUC@{thr:g}'] - parity[f'{key}_auc']) <= 1e-6
        # STAR's rounded values agree at 0.1 (its 0.05 grid overshoots to 0.0501)
        if thr == 0.1:
            assert abs(round(s['AUC@0.1'], 6) - parity[f'{key}_star_auc']) <= 1e-6


def _face(k, offset=(3.0, 4.0)):
    """GT landmark k at (k, 2k); prediction shifted by ``offset`` (error 5 px everywhere)."""
    gt = np.stack([np.arange(k), 2 * np.arange(k)], 1).astype(float)[None]
    return gt + np.asarray(offset), gt


def test_nme_each_normalisation_by_hand():
    pred, gt = _face(68)
    # 300W inter-ocular 36/45: |(9, 18)|
    nme, d = face_alignment_nme(pred, gt, '300w')
    np.testing.assert_allclose(d, [np.sqrt(81 + 324)])
    np.testing.assert_allclose(nme, [5 / np.sqrt(405)])
    # 300W inter-pupil: eye-contour means (38.5, 77) and (44.5, 89) -> |(6, 12)|
    nme, d = face_alignment_nme(pred, gt, '300w', 'inter_pupil')
    np.testing.assert_allclose(d, [np.sqrt(36 + 144)])
    # bbox: sqrt(w * h) of x1 y1 x2 y2
    nme, d = face_alignment_nme(pred, gt, '300w', 'bbox', bboxes=[[10, 20, 50, 110]])
    np.testing.assert_allclose((d, nme), ([60.0], [5 / 60]))
    pred, gt = _face(98)
    np.testing.assert_allclose(face_alignment_nme(pred, gt, 'wflw')[1], [12 * np.sqrt(5)])
    np.testing.assert_allclose(face_alignment_nme(pred, gt, 'wflw', 'inter_pupil')[1],
                               [np.sqrt(5)])
    pred, gt = _face(29)
    np.testing.assert_allclose(face_alignment_nme(pred, gt, 'cofw')[1], [np.sqrt(5)])  # 16/17
    np.testing.assert_allclose(face_alignment_nme(pred, gt, 'cofw', 'inter_ocular')[1],
                               [np.sqrt(5)])  # 8/9
    # overrides: two landmarks, or two groups
    np.testing.assert_allclose(
        face_alignment_nme(pred, gt, 'cofw', 'inter_ocular', (0, 4))[1], [4 * np.sqrt(5)])
    np.testing.assert_allclose(
        face_alignment_nme(pred, gt, 'cofw', 'inter_ocular', ((0, 2), (4, 6)))[1],
        [4 * np.sqrt(5)])


def test_nme_is_mean_over_images_not_pooled():
    pred0, gt0 = _face(68)
    pred1, gt1 = _face(68, offset=(6, 8))
    gt1 = gt1 * 2  # twice the normalising distance, twice the error: same NME
    pred1 = gt1 + np.array([6.0, 8.0])
    nme, _ = face_alignment_nme(np.concatenate([pred0, pred1]), np.concatenate([gt0, gt1]),
                                '300w')
    np.testing.assert_allclose(nme, [5 / np.sqrt(405)] * 2)


def test_fr_auc_known_list_with_errors_at_threshold():
    thr = 0.0004  # grid 0, 1e-4, ..., 4e-4 (5 points)
    errors = np.array([0.0, 0.00025, 0.0004, 0.001])
    xs, ys = ced(errors, thr)
    np.testing.assert_allclose(xs, [0, 1e-4, 2e-4, 3e-4, 4e-4], atol=1e-18)  # ulp(4e-4) ≈ 5e-20
    np.testing.assert_allclose(ys, [0.25, 0.25, 0.25, 0.5, 0.75])  # 0.0004 <= thr counts
    assert failure_rate(errors, thr) == 0.25
    # Simpson: h/3 (f0 + 4 f1 + 2 f2 + 4 f3 + f4) = 1e-4/3 * 4.5, / thr (float64: 1e-12)
    assert auc(errors, thr) == pytest.approx(0.375, abs=1e-12)
    s = summarize(np.array([0.1, 0.1, 0.05, 0.1000001]), 0.1)
    assert s['FR@0.1'] == 0.25 and s['num_images'] == 4
    assert summarize(np.zeros(3), 0.1)['AUC@0.1'] == pytest.approx(1.0)
    assert summarize(np.full(3, 0.2), 0.1)['AUC@0.1'] == 0.0
    assert summarize(np.full(3, 0.2), 0.1)['FR@0.1'] == 1.0


def test_grid_is_exact_and_simpson_matches_scipy():
    for thr, n in ((0.1, 1001), (0.08, 801), (0.05, 501)):
        xs = ced_grid(thr)
        assert len(xs) == n and xs[-1] == thr
    rng = np.random.default_rng(0)
    errors = rng.lognormal(np.log(0.05), 0.5, 300)
    for thr in (0.1, 0.08, 0.05, 0.1001):  # 0.1001: even point count (Cartwright's last step)
        xs, ys = ced(errors, thr)
        # the same float64 sum of ~1000 terms ≤ 1 in another order: ~1e-13
        assert simpson(ys, xs) == pytest.approx(scipy_simpson(ys, x=xs), abs=1e-12)


def test_percentiles():
    p = nme_percentiles(np.array([1, 2, 3, 4, 5]) / 100)
    assert p == pytest.approx(dict(P50=0.03, P90=0.046, P95=0.048, P99=0.0496))


def test_defaults_and_norm_resolution():
    assert resolve_norm('WFLW') == ('inter_ocular', ((60, ), (72, )))
    assert resolve_norm('cofw') == ('inter_pupil', ((16, ), (17, )))
    assert resolve_norm('300w', 'inter_pupil')[1] == (tuple(range(36, 42)), tuple(range(42, 48)))
    assert resolve_norm('300w', 'bbox') == ('bbox', None)
    with pytest.raises(ValueError, match=r"valid: \['300w', 'cofw', 'wflw'\]"):
        resolve_norm('aflw')
    with pytest.raises(ValueError, match='unknown norm'):
        resolve_norm('wflw', 'inter_eye')


@pytest.mark.parametrize('case, pattern', [
    ('shape', r'image 2: prediction must have shape \(K, 2\)'),
    ('k_dataset', r'image 0: ground truth has 68 landmarks, the dataset has 98'),
    ('k_pred', r'image 1: prediction has 97 landmarks, the dataset has 98'),
    ('zero_norm', r'image 3: normalising inter_ocular distance .* is 0\.0'),
    ('nan_pred', r'image 4: prediction has NaN/inf at landmarks \[7\]'),
    ('nan_gt', r'image 0: ground truth has NaN/inf at landmarks \[0, 5\]'),
])
def test_bad_input_names_the_image(case, pattern):
    rng = np.random.default_rng(1)
    gt = list(rng.uniform(0, 100, (5, 98, 2)))
    pred = [g + 1 for g in gt]
    if case == 'shape':
        pred[2] = pred[2][:, :1]
    elif case == 'k_dataset':
        gt[0] = gt[0][:68]
    elif case == 'k_pred':
        pred[1] = pred[1][:97]
    elif case == 'zero_norm':
        gt[3][72] = gt[3][60]
    elif case == 'nan_pred':
        pred[4][7, 1] = np.nan
    elif case == 'nan_gt':
        gt[0][[0, 5], 0] = np.inf
    with pytest.raises(ImageInputError, match=pattern):
        face_alignment_nme(pred, gt, 'wflw')


def test_bad_input_counts_and_boxes():
    pred, gt = _face(68)
    with pytest.raises(ValueError, match='2 predicted images for 1 ground-truth'):
        face_alignment_nme(np.concatenate([pred, pred]), gt, '300w')
    with pytest.raises(ValueError, match='needs the ground-truth boxes'):
        face_alignment_nme(pred, gt, '300w', 'bbox')
    with pytest.raises(ImageInputError, match='image 0: normalising sqrt'):
        face_alignment_nme(pred, gt, '300w', 'bbox', bboxes=[[5, 5, 5, 30]])
