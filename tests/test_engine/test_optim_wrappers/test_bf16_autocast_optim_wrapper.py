"""BF16AutocastOptimWrapper: bf16 autocast where the CPU has native bf16, fp32 (logged)
elsewhere; fp32 weights, gradients and optimizer state either way; ``--amp`` on a CPU picks it."""

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper

from adnet_mmpose.engine.optim_wrappers import bf16_autocast_optim_wrapper as module
from adnet_mmpose.engine.runner_setup import _amp


def _step(model, wrapper, x, y):
    """One training step; the dtypes of the model's output (inside the context) and of the
    gradients."""
    with wrapper.optim_context(model):
        out = model(x)
        loss = ((out.float() - y) ** 2).mean()
    wrapper.backward(loss)
    grads = {p.grad.dtype for p in model.parameters()}
    wrapper.step()
    return out.dtype, grads


def _wrapper(model):
    return build_optim_wrapper(model, dict(type='BF16AutocastOptimWrapper',
                                           optimizer=dict(type='SGD', lr=0.1)))


@pytest.mark.parametrize('native', [True, False])
def test_autocasts_only_with_native_bf16(monkeypatch, capsys, native):
    monkeypatch.setattr(module, 'cpu_has_native_bf16', lambda: native)
    MMLogger.get_instance(f'bf16_test_{native}')  # a logger on this test's stdout
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 4)
    dtype, grads = _step(model, _wrapper(model), torch.randn(16, 8), torch.randn(16, 4))
    assert dtype == (torch.bfloat16 if native else torch.float32)
    # weights and gradients stay fp32: the optimizer updates fp32 master weights
    assert grads == {torch.float32} and {p.dtype for p in model.parameters()} == {torch.float32}
    assert ('training in bf16 autocast on cpu' if native else 'training runs in fp32') \
        in capsys.readouterr().out


def test_bf16_gradients_match_fp32_within_bf16_rounding(monkeypatch):
    """The gradient of a linear least-squares step under bf16 autocast equals fp32's up to
    bf16's rounding of the inputs and weights (relative 2^-8 each): 2^-6 relative bounds it,
    with 2× margin for the fp32-accumulated sums. Measured 2.6e-3 with oneDNN AVX-512 bf16,
    AVX2, SSE4.1 and ATen's default kernels."""
    x, y = torch.randn(64, 32, generator=torch.Generator().manual_seed(1)), torch.zeros(64, 16)
    grads = {}
    for native in (False, True):
        monkeypatch.setattr(module, 'cpu_has_native_bf16', lambda: native)
        torch.manual_seed(0)
        model = torch.nn.Linear(32, 16)
        wrapper = _wrapper(model)
        with wrapper.optim_context(model):
            loss = ((model(x).float() - y) ** 2).mean()
        loss.backward()
        grads[native] = model.weight.grad.clone()
    rel = (grads[True] - grads[False]).norm() / grads[False].norm()
    assert 0 < rel <= 2 ** -6


def test_amp_on_cpu_selects_the_wrapper():
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='Adam'))))
    _amp(cfg, 'cpu')
    assert cfg.optim_wrapper.type == 'BF16AutocastOptimWrapper'
    bad = Config(dict(optim_wrapper=dict(type='ApexOptimWrapper', optimizer=dict(type='Adam'))))
    with pytest.raises(SystemExit, match='--amp works with OptimWrapper configs'):
        _amp(bad, 'cpu')
