"""ADNetHourglass: per-stack outputs, CoordConv planes, inter-stack merging, parameter count."""
import pytest
import torch

from adnet_mmpose.models.backbones import ADNetHourglass

K, E = 5, 2   # a small layout: the backbone only needs the channel counts


def small(num_stacks=3, depth=2, channels=16, input_size=(64, 32), **kwargs):
    torch.manual_seed(0)
    return ADNetHourglass(num_keypoints=K, num_boundaries=E, num_stacks=num_stacks,
                          depth=depth, channels=channels, input_size=input_size,
                          **kwargs).eval()


def conv_params(cin, cout, k=1, bn=False):
    """ConvBlock: weights, bias (always), BatchNorm affine."""
    return cin * cout * k * k + cout + (2 * cout if bn else 0)


def res_params(cin, cout):
    """Pre-activation bottleneck: 3 BN + 1×1, 3×3, 1×1 convs; 1×1 skip only when cin ≠ cout."""
    mid = cout // 2
    return (2 * cin + conv_params(cin, mid) + 2 * mid + conv_params(mid, mid, 3) + 2 * mid
            + conv_params(mid, cout) + (conv_params(cin, cout) if cin != cout else 0))


def hourglass_params(depth, c, extra=0):
    """Recursive hourglass: up1, low1, low3 per level, low2 a ResBlock at the bottom; the top
    level's CoordConv sees c + ``extra`` channels (3 coordinate planes, 5 with the mask)."""
    own = (conv_params(c + extra, c) if extra else 0) + 3 * res_params(c, c)
    return own + (hourglass_params(depth - 1, c) if depth > 1 else res_params(c, c))


def expected_params(k, e, stacks, depth, c):
    """The architecture of the class docstring counted by hand, layer by layer."""
    n = (conv_params(3 + 3, 64, 7, bn=True) + res_params(64, 128) + res_params(128, 128)
         + res_params(128, c))
    for s in range(stacks):
        n += (hourglass_params(depth, c, 5 if s else 3) + res_params(c, c)
              + conv_params(c, c, bn=True) + 2 * conv_params(c, k) + conv_params(c, e))
    return n + (stacks - 1) * (conv_params(c, c) + 2 * conv_params(k, c) + conv_params(e, c))


def count(model):
    return sum(p.numel() for p in model.parameters())


def test_hand_count_gives_the_documented_paper_figure():
    # WFLW 4x256 at depth 4: 13,476,468 trainable parameters (the official network's
    # 17,177,332 minus its 3,700,864 unused skip-conv parameters; docs/fidelity.md, and
    # tests/test_models/test_official_parity.py::test_parameter_count builds it)
    assert expected_params(98, 9, 4, 4, 256) == 13_476_468


@pytest.mark.parametrize('stacks,depth,channels', [(1, 1, 8), (3, 2, 16), (2, 3, 32)])
def test_parameter_count(stacks, depth, channels):
    model = small(stacks, depth, channels, input_size=(64, 64))
    assert count(model) == expected_params(K, E, stacks, depth, channels)


def test_output_shape_per_stack():
    model = small(num_stacks=3, input_size=(64, 32))   # w = 64, h = 32
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 32, 64))
    assert len(outs) == 3
    for out in outs:
        # K heatmaps + E edge maps + K point maps at a quarter of the input (h/4 × w/4)
        assert out.shape == (2, K + E + K, 8, 16)
        heat, edge, point = out.split([K, E, K], 1)
        assert (heat >= 0).all()   # instance norm + ReLU
        assert ((edge > 0) & (edge < 1)).all() and ((point > 0) & (point < 1)).all()  # sigmoid


def test_coordconv_input_channels():
    model = small(num_stacks=2, channels=16)
    # the stem sees the image + row, column, radius planes
    assert model.pre[0].conv.in_channels == 3 + 3 and model.pre[0].conv.kernel_size == (7, 7)
    # the first hourglass: features + 3 planes; later ones also the 2 masked planes
    assert model.hgs[0].coordconv.conv.in_channels == 16 + 3
    assert model.hgs[1].coordconv.conv.in_channels == 16 + 5
    assert model.hgs[0].low2.coordconv is None   # only the top level of each hourglass


def test_coordconv_planes_and_mask():
    """The planes appended to the features: row, column on the align-corners grid
    ``i/(n−1)·2 − 1``, radius / max radius, and row, column where the mask is > 0.05."""
    model = small(num_stacks=2, channels=16, input_size=(64, 32))
    seen = {}
    model.hgs[1].coordconv.conv.register_forward_pre_hook(
        lambda m, args: seen.setdefault('x', args[0]))
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 32, 64))
    x = seen['x'][0, 16:]   # (5, 8, 16): the appended planes
    rows = torch.linspace(-1, 1, 8)[:, None].expand(8, 16)
    cols = torch.linspace(-1, 1, 16)[None, :].expand(8, 16)
    radius = (rows ** 2 + cols ** 2).sqrt()
    # float32 linspace vs arange/(n−1): a few ulps
    torch.testing.assert_close(x[0], rows)
    torch.testing.assert_close(x[1], cols)
    torch.testing.assert_close(x[2], radius / radius.max())
    # the mask is the previous stack's last heatmap (boundary_channel = −1) above 0.05
    mask = (outs[0][0, K - 1] > 0.05).float()
    assert 0 < mask.sum() < mask.numel()   # both parts present: the test can tell them apart
    torch.testing.assert_close(x[3], rows * mask)
    torch.testing.assert_close(x[4], cols * mask)


@pytest.mark.parametrize('merge', ['merge_features', 'merge_heatmaps', 'merge_edgemaps',
                                   'merge_pointmaps'])
def test_each_merge_feeds_the_next_stack(merge):
    """Perturbing one merge convolution of stack 0 leaves stack 0 and changes stack 1."""
    model = small(num_stacks=2)
    x = torch.randn(1, 3, 32, 64)
    with torch.no_grad():
        before = model(x)
        getattr(model, merge)[0].conv.bias.add_(0.5)
        after = model(x)
    torch.testing.assert_close(after[0], before[0], rtol=0, atol=0)
    assert (after[1] - before[1]).abs().max() > 1e-3


def test_stack_input_depends_on_previous_outputs():
    """Stack 1 sees stack 0's maps: perturbing stack 0's edge-map conv changes stack 1 only
    through the merge (its heatmaps and point maps stay)."""
    model = small(num_stacks=2)
    x = torch.randn(1, 3, 32, 64)
    with torch.no_grad():
        before = model(x)
        model.out_edgemaps[0].conv.bias.add_(1.0)
        after = model(x)
    heat0, edge0, point0 = (after[0] - before[0]).split([K, E, K], 1)
    assert heat0.abs().max() == 0 and point0.abs().max() == 0 and edge0.abs().max() > 0.01
    assert (after[1] - before[1]).abs().max() > 1e-3


def test_input_size_checks():
    with pytest.raises(ValueError, match=r'input_size \(60, 64\) must be a multiple of 16'):
        small(input_size=(60, 64))
    model = small(input_size=(64, 32))
    with pytest.raises(ValueError, match=r'built for feature maps of \(32, 64\).*input_size'):
        model(torch.randn(1, 3, 64, 64))


def test_norm_eval_keeps_batchnorm_statistics():
    model = small(num_stacks=1, depth=1, channels=8, norm_eval=True).train()
    bn = model.pre[0].bn
    assert not bn.training and model.hgs[0].up1.conv1.conv.training
    mean = bn.running_mean.clone()
    model(torch.randn(2, 3, 32, 64) * 3 + 1)
    torch.testing.assert_close(bn.running_mean, mean, rtol=0, atol=0)
