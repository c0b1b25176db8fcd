"""ChannelsLastHook: NHWC weights, the same parameter objects, the same landmarks."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.registry import HOOKS

from tests.test_models.wflw_model import build_wflw


@pytest.mark.numeric   # NHWC and NCHW take different oneDNN kernels (tools/test_variants.sh)
def test_channels_last_hook_keeps_parameters_and_outputs():
    torch.manual_seed(0)
    model = build_wflw(num_stacks=2, channels=16, input_size=(64, 64), depth=1).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        before = model.head.forward(model.extract_feat(x))
    params = list(model.parameters())
    HOOKS.build(dict(type='ChannelsLastHook')).before_train(SimpleNamespace(model=model))
    convs = [m.weight for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert all(w.is_contiguous(memory_format=torch.channels_last) for w in convs)
    assert all(a is b for a, b in zip(params, model.parameters()))
    with torch.no_grad():
        after = model.head.forward(model.extract_feat(x))
    # another convolution kernel: float32 rounding of the same sums, ≤ 2e-5 px measured
    # (oneDNN AVX2 and SSE4.1); 1e-3 px is the landmark tolerance used throughout
    assert (after - before).abs().max() <= 1e-3
