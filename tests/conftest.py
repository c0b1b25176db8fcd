"""Shared test helpers: the ``../shared`` folder (fixtures, parity references) beside the repo,
thread counts (this process and the tools the tests start) and the package-registry probe for
tests marked ``network``."""
import atexit
import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch
from mmpose.utils import register_all_modules

import adnet_mmpose  # noqa: F401  (registers the plugin)

register_all_modules(init_default_scope=True)

SHARED = Path(__file__).resolve().parents[1].parent / 'shared'
REPO = Path(__file__).resolve().parents[1]

# Threads of the pytest process when OMP_NUM_THREADS is not set (tools/test_variants.sh reruns
# the numeric tests with other counts). One: on a 2-core CPU that another job shared, the overfit,
# official-parity and NHWC tests took 33 s with one thread and 270 s with two (OpenMP threads
# spin-waiting for a busy core), and the processes tests start take the other core.
MAIN_THREADS = 1
if 'OMP_NUM_THREADS' not in os.environ:
    torch.set_num_threads(MAIN_THREADS)

# ONNX exports FaceLandmarker makes for test models go to a per-run folder, not the user cache.
if 'ADNET_MMPOSE_CACHE' not in os.environ:
    os.environ['ADNET_MMPOSE_CACHE'] = tempfile.mkdtemp(prefix='adnet-cache-')
    atexit.register(shutil.rmtree, os.environ['ADNET_MMPOSE_CACHE'], ignore_errors=True)

# A tiny package that ``pip download`` fetches to tell whether the configured index answers.
REGISTRY_PROBE = 'six'


def subprocess_env(*, drop=(), **extra) -> dict:
    """Environment for a process a test starts (a tool, torchrun's workers, a second Python):
    one OpenMP / MKL thread, so that it and the pytest process share two cores without
    oversubscribing them; ``extra`` is added and the names in ``drop`` removed."""
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', **extra)
    return env


@functools.lru_cache(maxsize=None)
def registry_unreachable() -> str:
    """Why pip cannot download from its configured package index ('' when it can): a
    ``pip download --no-deps`` of :data:`REGISTRY_PROBE` with a 5 s network timeout."""
    with tempfile.TemporaryDirectory() as dest:
        cmd = [sys.executable, '-m', 'pip', 'download', '--no-deps', '--no-cache-dir',
               '--disable-pip-version-check', '--quiet', '--timeout', '5', '--retries', '0',
               '--dest', dest, REGISTRY_PROBE]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            return f'pip download {REGISTRY_PROBE} took over 30 s'
    if out.returncode == 0:
        return ''
    return (out.stderr.strip().splitlines() or [f'pip exit {out.returncode}'])[-1]


def pytest_runtest_setup(item):
    """Tests marked ``network`` skip, with pip's reason, when the package registry is
    unreachable."""
    if item.get_closest_marker('network') and (reason := registry_unreachable()):
        pytest.skip(f'package registry unreachable (pip download {REGISTRY_PROBE}: {reason})')


def free_port() -> str:
    """A TCP port free on 127.0.0.1 now, for a torchrun rendezvous (``PORT`` of
    tools/dist_train.sh), so that parallel runs never collide on the default 29500."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def shared_path(*parts) -> Path:
    """Path under ``../shared``; skips the test with a message when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f'{path} is absent (the shared fixtures/spec folder must sit beside the repo)')
    return path


def load_script(relpath: str):
    """A script of the repository (e.g. ``'tools/analysis/study_curves.py'``) imported as a
    module, for tests of its functions; its directory is importable while it loads (the
    dataset converters import their siblings)."""
    path = REPO / relpath
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


@pytest.fixture(scope='session')
def parity_dir() -> Path:
    return shared_path('spec', 'parity')
