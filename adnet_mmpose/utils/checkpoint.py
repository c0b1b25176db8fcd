"""Loading MMEngine checkpoints with torch >= 2.6 (one place for every entry point)."""
import os

_ENV = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


def trust_checkpoints() -> None:
    """Let mmengine load its own checkpoints under torch >= 2.6.

    mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; torch >= 2.6 then refuses
    the numpy objects mmengine itself stores in a checkpoint's ``meta`` (``Unsupported global:
    numpy._core.multiarray._reconstruct``). Our entry points (train, test, demo, export) call
    this before loading; it restores the pre-2.6 behaviour for this process only, so load only
    checkpoints you trust. Checkpoints written by this project's converter and trainer also
    load with ``weights_only=True`` (see ``SafeCheckpointHook``).
    """
    os.environ.setdefault(_ENV, '1')
