"""ADL on hand-built cases: anisotropy ratio, λ clamp, finite gradients."""
import math

import pytest
import torch

from adnet_mmpose.models.losses import ADLoss

# a bent open curve 0-1-2 (normal at 1 is +y), a closed triangle 3-4-5, an ungrouped point 6
GROUPS = [dict(name='curve', indices=[0, 1, 2], closed=False),
          dict(name='triangle', indices=[3, 4, 5], closed=True)]
GT = torch.tensor([[[-0.5, 0.1], [0., 0.], [0.5, 0.1], [0., -0.6], [0.3, -0.3], [-0.3, -0.3],
                    [0.25, 0.5]]])


def _err(loss, index, offset, lam):
    pred = GT.clone()
    pred[0, index] += torch.tensor(offset)
    return loss(pred, GT, torch.full((1, 7), float(lam)))


def test_normals_hand_computed():
    # assert_close's float32 defaults (rtol 1.3e-6, atol 1e-5): unit vectors, a few roundings
    n, t = ADLoss(boundaries=GROUPS, num_keypoints=7).normals(GT)
    torch.testing.assert_close(n[0, 1], torch.tensor([0., 1.]))
    torch.testing.assert_close(t[0, 1], torch.tensor([-1., 0.]))
    # open-curve end 0: direction to its neighbour rotated by 90°
    u = GT[0, 1] - GT[0, 0]
    torch.testing.assert_close(n[0, 0], torch.stack([-u[1], u[0]]) / u.norm())
    assert n[0, 6].abs().sum() == 0  # ungrouped


@pytest.mark.parametrize('lam', [1., 2.5, 9.])
def test_normal_error_costs_lambda_times_tangent(lam):
    loss = ADLoss(boundaries=GROUPS, num_keypoints=7)
    e = 0.004  # below s = 0.01: quadratic branch, ratio α/β = λ exactly
    normal = _err(loss, 1, [0., e], lam)
    tangent = _err(loss, 1, [e, 0.], lam)
    # rel 1e-5: a handful of float32 operations (eps 1.2e-7), with a wide margin
    assert normal.item() == pytest.approx(lam * tangent.item(), rel=1e-5)
    alpha = 2 * lam / (lam + 1)
    assert normal.item() == pytest.approx(alpha * e * e / (2 * 0.01) / 7, rel=1e-5)
    # linear branch: δ − s/2 with δ = sqrt(α)·e
    big = 0.2
    assert _err(loss, 1, [0., big], lam).item() == pytest.approx(
        (math.sqrt(alpha) * big - 0.005) / 7, rel=1e-5)


def test_ungrouped_point_is_isotropic():
    loss = ADLoss(boundaries=GROUPS, num_keypoints=7)
    e = 2. ** -8  # exact in float32
    a, b = _err(loss, 6, [0., e], 9.), _err(loss, 6, [e, 0.], 9.)
    # rel 1e-6: exact inputs, ~8 float32 ulps for the few roundings of the loss
    assert a.item() == pytest.approx(b.item(), rel=1e-6)
    assert a.item() == pytest.approx(e * e / 0.02 / 7, rel=1e-6)


def test_lambda_clamped_and_oriented():
    loss = ADLoss(boundaries=GROUPS, num_keypoints=7)
    h = w = 33
    g = torch.linspace(-1, 1, w)
    anchor = GT.clone()
    mask = torch.zeros(1, 7, h, w)
    row0 = int(torch.argmin((g - 0.).abs()))
    mask[0, 1, row0, :] = 1.          # spread along x = the tangent at landmark 1 → λ large
    mask[0, 0, :, row0] = 1.          # spread along y
    lam = loss.adaptive_lambda(mask, anchor, GT)
    assert lam[0, 1].item() == 9.0     # clamped at the top
    assert lam[0, 6].item() == 1.0     # ungrouped / empty mask → lower clamp
    mask[0, 1] = 0
    mask[0, 1, :, row0] = 1.          # spread along the normal → clamped at 1
    assert loss.adaptive_lambda(mask, anchor, GT)[0, 1].item() == 1.0


def test_gradients_finite_with_coinciding_neighbours_and_zero_residual():
    loss = ADLoss(boundaries=GROUPS, num_keypoints=7)
    gt = GT.clone()
    gt[0, 4] = gt[0, 3]               # two neighbours on the triangle coincide
    pred = gt.clone().requires_grad_()  # exactly zero residual everywhere
    value = loss(pred, gt, torch.full((1, 7), 3.))
    value.backward()
    assert value.item() == 0 and torch.isfinite(pred.grad).all()
    pred2 = (gt + 0.05).requires_grad_()
    loss(pred2, gt, torch.full((1, 7), 3.)).backward()
    assert torch.isfinite(pred2.grad).all() and pred2.grad.abs().sum() > 0
