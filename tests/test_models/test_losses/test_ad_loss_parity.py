"""ADL, λ, normals and AWing reproduce the official loss terms (parity/losses_io.npz).

Bounds are those the reference states for its own values (float32 computations of a few
thousand terms): losses 1e-5 relative, gradients 1e-5 of the array's largest value, λ 1e-6
absolute; normals 1e-6 plus their float32 conditioning (:func:`_normal_tol`), which other CPU
kernels reach."""
import numpy as np
import pytest
import torch

from adnet_mmpose.models.losses import ADLoss, WeightedAdaptiveWingLoss
from tests.conftest import REPO

META = {'300W': '300w', 'WFLW': 'wflw', 'COFW': 'cofw'}
pytestmark = pytest.mark.numeric   # rerun under other CPU kernels (tools/test_variants.sh)


@pytest.fixture(scope='module')
def ref(parity_dir):
    return dict(np.load(parity_dir / 'losses_io.npz'))


def _loss(d, componentwise=True):
    """ADL with the official per-component end test (docs/fidelity.md#loss) for bit-parity."""
    return ADLoss(metainfo=dict(from_file=str(REPO / f'configs/_base_/datasets/{META[d]}.py')),
                  componentwise_end_test=componentwise)


def _t(a):
    return torch.from_numpy(np.asarray(a, np.float32))


def _normal_tol(loss, gt):
    """(B, K) bound for the normals. The normal is the unit bisector of the unit directions
    û, v̂ to the two neighbours: float32 rounding is amplified by 1 / |û + v̂|, large where the
    boundary is nearly straight (|û + v̂| down to 0.004 here). Measured between CPU kernels
    (ATen AVX2 vs generic): ≤ 2.7 float32 eps / |û + v̂|; the bound is 8 eps / |û + v̂| + 1e-6."""
    g = gt.double()
    u, v = g[:, loss.prev] - g, g[:, loss.next] - g
    s = (u / u.norm(dim=-1, keepdim=True) + v / v.norm(dim=-1, keepdim=True)).norm(dim=-1)
    return (1e-6 + 8 * 2.0**-24 / torch.nan_to_num(s, nan=2.0).clamp_min(1e-12)).numpy()


@pytest.mark.parametrize('d', META)
def test_normals_and_lambda(ref, d):
    loss, gt = _loss(d), _t(ref[f'{d}_gt_landmarks_norm'])
    normal, tangent = loss.normals(gt)
    tol = _normal_tol(loss, gt)
    err = np.abs(normal.numpy() - ref[f'{d}_adl_normals']).max(-1)
    assert (err <= tol).all(), err.max()
    # the tangent is the normal turned by 90°: the two products cancel up to one rounding
    assert torch.allclose((normal * tangent).sum(-1), torch.zeros(1), atol=1e-7)
    lam = loss.adaptive_lambda(_t(ref[f'{d}_attention_mask']),
                               _t(ref[f'{d}_final_landmarks_norm']), gt)
    # λ is a ratio of spreads along the tangent and the normal: its error follows the normal's
    # (measured ≤ 0.21 λ·tol between CPU kernels; bound 2 λ·tol)
    lam_err = np.abs(lam.numpy() - ref[f'{d}_adl_lambda'])
    assert (lam_err <= 2 * ref[f'{d}_adl_lambda'] * tol).all(), lam_err.max()


@pytest.mark.parametrize('d', META)
def test_intended_end_test_differs_only_at_equal_components(ref, d):
    """The default whole-vector test changes only landmarks whose neighbour offsets share
    one exactly equal coordinate (300W face 1, landmark 60: both neighbours on one pixel row;
    five COFW landmarks)."""
    gt = _t(ref[f'{d}_gt_landmarks_norm'])
    loss = _loss(d, componentwise=False)
    normal, _ = loss.normals(gt)
    u = gt[:, loss.prev] - gt
    v = gt[:, loss.next] - gt
    mixed = ((u == v).any(-1) & ~(u == v).all(-1)).numpy()
    tol = _normal_tol(loss, gt)
    differs = np.abs(normal.numpy() - ref[f'{d}_adl_normals']).max(-1) > tol
    assert (differs == mixed).all()
    assert mixed.sum() == {'300W': 1, 'WFLW': 0, 'COFW': 5}[d]


@pytest.mark.parametrize('d', META)
def test_adl_values_and_gradients(ref, d):
    loss, gt = _loss(d), _t(ref[f'{d}_gt_landmarks_norm'])
    lam = loss.adaptive_lambda(_t(ref[f'{d}_attention_mask']),
                               _t(ref[f'{d}_final_landmarks_norm']), gt)
    weights = ref[f'{d}_loss_weights']
    preds = [_t(ref[f'{d}_landmarks_norm_s{s}']).requires_grad_() for s in range(4)]
    total = 0
    for s, p in enumerate(preds):
        value = loss(p, gt, lam)
        np.testing.assert_allclose(value.item(), ref[f'{d}_adl_s{s}'], rtol=1e-5)
        total = total + weights[3 * s] * value
    total.backward()
    for s, p in enumerate(preds):
        g = ref[f'{d}_grad_landmarks_s{s}']
        np.testing.assert_allclose(p.grad.numpy(), g, atol=1e-5 * np.abs(g).max(), rtol=0)


def test_awing_and_total_300w(ref):
    awing, adl, gt = WeightedAdaptiveWingLoss(), _loss('300W'), _t(ref['300W_gt_landmarks_norm'])
    lam = adl.adaptive_lambda(_t(ref['300W_attention_mask']),
                              _t(ref['300W_final_landmarks_norm']), gt)
    w = ref['300W_loss_weights']
    total, maps = 0, []
    for s in range(4):
        edge = _t(ref[f'300W_edgemaps_s{s}']).requires_grad_()
        point = _t(ref[f'300W_pointmaps_s{s}']).requires_grad_()
        maps.append((edge, point))
        le = awing(edge, _t(ref['300W_gt_edgemaps']))
        lp = awing(point, _t(ref['300W_gt_pointmaps']))
        np.testing.assert_allclose(le.item(), ref[f'300W_awing_edge_s{s}'], rtol=1e-5)
        np.testing.assert_allclose(lp.item(), ref[f'300W_awing_point_s{s}'], rtol=1e-5)
        la = adl(_t(ref[f'300W_landmarks_norm_s{s}']), gt, lam)
        total = total + w[3 * s] * la + w[3 * s + 1] * le + w[3 * s + 2] * lp
    np.testing.assert_allclose(total.item(), ref['300W_total'], rtol=1e-5)
    total.backward()
    for s, (edge, point) in enumerate(maps):
        np.testing.assert_allclose(edge.grad.abs().sum().item(),
                                   ref[f'300W_grad_edgemaps_s{s}_abssum'], rtol=1e-5)
        np.testing.assert_allclose(point.grad.abs().sum().item(),
                                   ref[f'300W_grad_pointmaps_s{s}_abssum'], rtol=1e-5)
