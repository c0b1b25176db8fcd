"""Shared by the model benchmarks: the model and a synthetic batch from a config, timing (every
benchmark's), the environment record."""
import os
import platform
import statistics
import time
from typing import Callable, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.structures import PoseDataSample

import adnet_mmpose  # noqa: F401  (registers the plugin)
from targets_speed import synthetic_faces

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAPER_CONFIG = os.path.join(ROOT, 'configs/adnet/td-adnet_hg4x256_1xb32-500e_wflw-256x256.py')
SMALL_CONFIG = os.path.join(ROOT, 'configs/adnet/td-adnet_hg2x64_1xb16-10e_afw68-96x96.py')


def load(config: str, device: str):
    """(cfg, codec, model) of a config; the model untrained, on ``device``, in train mode."""
    cfg = Config.fromfile(config)
    init_default_scope('mmpose')
    codec = KEYPOINT_CODECS.build(cfg.codec)
    return cfg, codec, MODELS.build(cfg.model).to(device)


def faces_for(codec, n: int, seed: int = 0) -> np.ndarray:
    """(n, K, 2) face-like landmarks in the codec's input crop (synthetic, 256 px scaled)."""
    return synthetic_faces(codec, n, seed) * np.asarray(codec.input_size) / 256


def train_batch(codec, n: int, device: str) -> dict:
    """A ``train_step`` batch of n synthetic faces: uint8 images and encoded targets, on the
    device already (the step's own consumption is measured, not host-to-device copies)."""
    w, h = codec.input_size
    rng = np.random.default_rng(0)
    inputs, samples = [], []
    for face in faces_for(codec, n):
        enc = codec.encode(face[None])
        sample = PoseDataSample(metainfo=dict(img_shape=(h, w), input_size=(w, h)))
        sample.gt_instance_labels = InstanceData(
            keypoint_labels=torch.from_numpy(enc['keypoint_labels']),
            keypoint_weights=torch.from_numpy(enc['keypoint_weights']))
        sample.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        samples.append(sample.to(device))
        inputs.append(torch.from_numpy(rng.integers(0, 256, (3, h, w), np.uint8)).to(device))
    return dict(inputs=inputs, data_samples=samples)


def optim_wrapper(model, cfg, amp: bool = False):
    """The config's optimizer in an ``OptimWrapper``, or an ``AmpOptimWrapper`` (bf16)."""
    wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16') if amp else dict(type='OptimWrapper')
    return build_optim_wrapper(model, dict(wrapper, optimizer=cfg.optim_wrapper.optimizer))


def best_seconds(fn: Callable, repeats: int, iters: int = 1, warmup: int = 1) -> float:
    """Minimum over ``repeats`` of the mean time of ``iters`` calls, after ``warmup`` calls."""
    sync = torch.cuda.synchronize if torch.cuda.is_initialized() else (lambda: None)
    for _ in range(warmup):
        fn()
    best = float('inf')
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        sync()
        best = min(best, (time.perf_counter() - start) / iters)
    return best


def median_seconds(fn: Callable, iters: int, warmup: int = 1) -> float:
    """Median time of ``iters`` calls, after ``warmup`` calls (allocations, oneDNN
    primitives)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_item_ms(fn: Callable, items: Sequence, repeats: int) -> float:
    """Milliseconds per item of ``fn(item)`` over all ``items``, best of ``repeats`` passes."""
    return best_seconds(lambda: [fn(item) for item in items], repeats, warmup=0) \
        / len(items) * 1e3


def loader_throughput(codec, faces: np.ndarray, workers: int) -> float:
    """Faces per second of a ``DataLoader`` (batch 16, ``workers`` processes) that encodes the
    (N, K, 2) ``faces`` with ``codec``, worker start-up excluded."""
    from torch.utils.data import DataLoader

    class Targets(torch.utils.data.Dataset):

        def __len__(self):
            return len(faces)

        def __getitem__(self, i):
            return codec.encode(faces[i][None])['heatmaps']

    loader = DataLoader(Targets(), batch_size=16, num_workers=workers)
    for _ in loader:  # warm-up: worker start-up
        break
    start = time.perf_counter()
    for _ in loader:
        pass
    return len(faces) / (time.perf_counter() - start)


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(device: str) -> dict:
    """Device, versions and the machine's load, for every figure's record."""
    import mmengine
    import mmpose
    env = dict(torch=torch.__version__, mmengine=mmengine.__version__,
               mmpose=mmpose.__version__, python=platform.python_version(),
               cpu=platform.processor() or platform.machine(), cpu_count=os.cpu_count(),
               torch_threads=torch.get_num_threads(), load_average=os.getloadavg())
    if device.startswith('cuda'):
        env.update(device=torch.cuda.get_device_name(device), cuda=torch.version.cuda,
                   cudnn=torch.backends.cudnn.version(),
                   cudnn_benchmark=torch.backends.cudnn.benchmark)
    else:
        env.update(device=f'CPU ({os.cpu_count()} cores, {torch.get_num_threads()} threads)',
                   cpu_model=cpu_model())
    return env
