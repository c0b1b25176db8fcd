"""Shared test helpers: the ``../shared`` folder (fixtures, parity references) beside the repo."""
from pathlib import Path

import pytest
from mmpose.utils import register_all_modules

import adnet_mmpose  # noqa: F401  (registers the plugin)

register_all_modules(init_default_scope=True)

SHARED = Path(__file__).resolve().parents[1].parent / 'shared'
REPO = Path(__file__).resolve().parents[1]


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


@pytest.fixture(scope='session')
def parity_dir() -> Path:
    return shared_path('spec', 'parity')
