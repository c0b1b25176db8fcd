"""FastLandmarkModel on CPU: eager equals the model, fixed-batch padding / chunking, and the
documented answers to CUDA-only requests (ValueError) and compiler failures (eager fallback).

The inductor compile (the real ``torch.compile`` speed path) takes minutes on a 2-core CPU, so
its equality test is marked ``slow`` (``make test`` runs it, ``make test-fast`` does not); the
fixed-batch logic of the compile path is checked with ``torch.compile`` stubbed out (even
dynamo's own tracing takes ~15 s here).
"""
import pytest
import torch

from adnet_mmpose.models import fast_landmark_model
from adnet_mmpose.models.fast_landmark_model import FastLandmarkModel, check_request
from tests.test_models.wflw_model import build_wflw


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return build_wflw(num_stacks=2, channels=16, input_size=(64, 64), depth=1).eval()


@pytest.fixture(scope='module')
def batch(model):
    x = torch.randn(5, 3, 64, 64)
    with torch.no_grad():
        return x, model.head.forward_with_scores(model.extract_feat(x))


def _assert_equal(out, ref):
    landmarks, scores = out
    assert landmarks.shape == (5, 98, 2) and scores.shape == (5, 98)
    # another batch size may take another convolution kernel: float32 rounding of the same sums
    # (≤ 1.5e-5 px measured); 1e-3 px is the landmark tolerance used throughout; scores: 1e-5
    assert (landmarks - ref[0]).abs().max() <= 1e-3  # px
    assert (scores - ref[1]).abs().max() <= 1e-5


def test_eager_equals_the_model(model, batch):
    x, ref = batch
    _assert_equal(FastLandmarkModel(model)(x), ref)


@pytest.mark.numeric   # batches of 2 and 4 may take other kernels than 5 (test_variants.sh)
def test_fixed_batches_pad_and_chunk(model, batch, monkeypatch):
    """5 faces on graphs for 2 and 4: chunks of 4 and 1 (padded to 2), same landmarks."""
    x, ref = batch
    seen = []

    def fake_compile(fn, **options):
        assert options == dict(dynamic=False, backend='inductor')
        return lambda inputs: seen.append(len(inputs)) or fn(inputs)

    monkeypatch.setattr(torch, 'compile', fake_compile)
    fast = FastLandmarkModel(model, mode='compile', batch_size=(4, 2),
                             compile_options=dict(backend='inductor'), warmup=1)
    assert fast.mode == 'compile' and fast.batch_sizes == (2, 4) and seen == [2, 4]
    _assert_equal(fast(x), ref)
    _assert_equal(tuple(torch.cat(o) for o in zip(fast(x[:3]), fast(x[3:]))), ref)
    assert seen[2:] == [4, 2, 4, 2]


@pytest.mark.slow   # inductor builds C++ kernels for the batch-8 graph: minutes on 2 cores
def test_inductor_compile_equals_eager(model, batch):
    x, ref = batch
    fast = FastLandmarkModel(model, mode='compile', batch_size=8, warmup=1)
    assert fast.mode == 'compile', fast.fallback_reason
    _assert_equal(fast(x), ref)


def test_compile_failure_falls_back_to_eager(model, batch):
    x, ref = batch
    fast = FastLandmarkModel(model, mode='compile', batch_size=2,
                             compile_options=dict(backend='no_such_backend'))
    assert fast.mode == 'eager' and 'no_such_backend' in fast.fallback_reason
    _assert_equal(fast(x), ref)


@pytest.mark.parametrize('kwargs, option', [
    (dict(mode='cuda_graph'), "mode='cuda_graph' needs a CUDA device"),
    (dict(dtype='bf16'), "dtype='bf16' (autocast) needs a CUDA device"),
    (dict(mode='tensorrt'), "mode='tensorrt': choose one of"),
    (dict(dtype='fp16'), "dtype='fp16': choose one of"),
    (dict(batch_size=0), 'batch_size must be positive'),
])
def test_cpu_rejects_cuda_only_or_unknown_options(model, kwargs, option):
    with pytest.raises(ValueError) as err:
        FastLandmarkModel(model, **kwargs)
    assert option in str(err.value)


def test_bf16_needs_native_support_on_the_gpu(monkeypatch):
    monkeypatch.setattr(fast_landmark_model, 'bf16_supported', lambda device=None: False)
    monkeypatch.setattr(torch.cuda, 'get_device_name', lambda device=None: 'Tesla V100')
    with pytest.raises(ValueError, match=r"dtype='bf16': Tesla V100 has no native bf16"):
        check_request('eager', 'bf16', torch.device('cuda'))
    check_request('cuda_graph', 'fp32', torch.device('cuda'))


def test_bad_inputs_are_named(model):
    fast = FastLandmarkModel(model)
    with pytest.raises(ValueError, match=r'expects a float \(B, 3, 64, 64\)'):
        fast(torch.zeros(2, 3, 32, 32))
    with pytest.raises(TypeError, match='ADNetHead'):
        FastLandmarkModel(torch.nn.Conv2d(3, 3, 1))
