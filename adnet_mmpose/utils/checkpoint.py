"""Safe checkpoint loading, one place for every entry point.

A ``.pth`` file is a pickle: loading it with full unpickling runs whatever code it carries.
Here every checkpoint is loaded with ``torch.load(weights_only=True)``, which builds only
tensors, plain containers and the globals allowed below: exactly the data types that
mmengine 0.10 (``CheckpointHook``: model, optimizer, schedulers, message hub, EMA, dataset
metainfo), mmpose, this project's ``WeightsOnlyCheckpointHook`` and its converter write.

A file that needs anything else is refused (:class:`UntrustedCheckpointError`, naming the file
and the global) unless the caller opts in: ``--trust-checkpoint`` on the command line,
``trust_checkpoint=True`` in Python. With the opt-in a warning names what is trusted.

- :func:`load_checkpoint_file`: load one file.
- :func:`check_checkpoint` / :func:`load_checkpoint_strict`: load into a model only when the
  checkpoint holds every tensor of it with its shape (mmengine alone loads with
  ``strict=False``: a checkpoint of another layout only logs a warning and leaves random
  weights).
- :func:`checkpoint_loading`: a context manager under which mmengine's own loading (the
  Runner's ``load_from`` / ``resume``, ``_load_checkpoint``, mmdet / mmdeploy model loading,
  URL downloads) follows the same rules; everything is restored on exit.
"""
import contextlib
import functools
import pickle
import re
import warnings
from typing import Iterator, List, Optional

import numpy as np
import torch
from mmengine.config import ConfigDict
from mmengine.logging import HistoryBuffer

#: The command-line and Python opt-ins, as the messages name them.
OPT_IN = "pass --trust-checkpoint on the command line or trust_checkpoint=True in Python"

_TORCH_LOAD = torch.load   # torch's own function, whatever is bound to torch.load later
_HISTORY_STATISTICS = ('min', 'max', 'current', 'mean')


class UntrustedCheckpointError(pickle.UnpicklingError, ValueError):
    """A checkpoint needs full unpickling (it may run code) and the caller did not opt in
    (a ``ValueError`` too, so command lines report it as a bad argument)."""


def _history_buffer_statistic(owner, name):
    """Stand-in for ``builtins.getattr`` while loading: mmengine's ``HistoryBuffer`` pickles its
    statistics methods as ``getattr(HistoryBuffer, 'mean')``; nothing else is reachable."""
    if owner is HistoryBuffer and name in _HISTORY_STATISTICS:
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'Unsupported global: GLOBAL builtins.getattr (getattr({owner!r}, {name!r}))')


def _numpy_globals() -> list:
    """Reconstructors of numpy arrays / scalars / dtypes under their numpy 1 and 2 names, and
    ``bytes`` (an empty array's data is pickled as ``bytes()``)."""
    multiarray = (getattr(np, '_core', None) or np.core).multiarray
    out = [np.ndarray, np.dtype, bytes]
    for fn in (multiarray._reconstruct, multiarray.scalar):
        out += [(fn, f'{pkg}.multiarray.{fn.__name__}') for pkg in ('numpy.core', 'numpy._core')]
    out += sorted({type(np.dtype(code)) for code in np.typecodes['All']}, key=str)
    return out


#: Globals allowed on top of torch's own weights-only set (tensors, containers, ``Counter``...).
SAFE_GLOBALS = _numpy_globals() + [HistoryBuffer, ConfigDict,
                                   (_history_buffer_statistic, 'builtins.getattr')]


def _name(f) -> str:
    return str(f) if isinstance(f, (str, bytes)) or hasattr(f, '__fspath__') else \
        str(getattr(f, 'name', repr(f)))


def _offending_globals(f, error: Exception) -> List[str]:
    """The globals ``f`` needs beyond :data:`SAFE_GLOBALS` (from torch's message otherwise)."""
    found = re.findall(r'GLOBAL ([\w.]+)', str(error)) or re.findall(
        r'unrecognized function ([^\s]+)', str(error))
    if isinstance(f, str) or hasattr(f, '__fspath__'):
        allowed = {g[1] if isinstance(g, tuple) else f'{g.__module__}.{g.__qualname__}'
                   for g in SAFE_GLOBALS} - {'builtins.getattr'}
        try:
            listed = torch.serialization.get_unsafe_globals_in_checkpoint(f)
        except Exception:  # noqa: BLE001 - not a zip checkpoint: keep what torch reported
            listed = []
        found = [g for g in listed if g not in allowed] or found
    return found or [str(error).strip().splitlines()[-1]]


@contextlib.contextmanager
def _safe_globals() -> Iterator[None]:
    """Allow :data:`SAFE_GLOBALS` inside; leaves globals the user allowed before in place."""
    missing = [g for g in SAFE_GLOBALS if g not in torch.serialization.get_safe_globals()]
    with torch.serialization.safe_globals(missing):
        yield


def _load(f, map_location=None, pickle_module=None, *, trust_checkpoint: bool,
          weights_only=None, **kwargs):
    """``torch.load`` with ``weights_only=True`` + :data:`SAFE_GLOBALS`; a refusal raises
    :class:`UntrustedCheckpointError`, or with ``trust_checkpoint`` warns and unpickles fully.
    ``weights_only`` / ``pickle_module`` of the caller are ignored (the rules decide)."""
    try:
        with _safe_globals():
            return _TORCH_LOAD(f, map_location=map_location, weights_only=True, **kwargs)
    except UntrustedCheckpointError:
        raise
    except pickle.UnpicklingError as e:
        needs = ', '.join(_offending_globals(f, e))
        if not trust_checkpoint:
            raise UntrustedCheckpointError(
                f'{_name(f)}: refused to load this checkpoint: it needs {needs}, which '
                'torch.load(weights_only=True) does not allow because unpickling it can run '
                'arbitrary code (checkpoints written by mmengine, mmpose and adnet_mmpose never '
                f'need it). If you trust the file, {OPT_IN}.') from None
    warnings.warn(f'{_name(f)}: trusted checkpoint (trust_checkpoint): loading it with full '
                  f'unpickling for {needs}; any code in the file runs now.', stacklevel=3)
    if hasattr(f, 'seek'):
        f.seek(0)
    return _TORCH_LOAD(f, map_location=map_location, weights_only=False, **kwargs)


def load_checkpoint_file(filename: str, map_location='cpu', trust_checkpoint: bool = False):
    """Load a checkpoint file under the rules of this module.

    Args:
        filename: a local checkpoint (``.pth``) or an open binary file.
        map_location: as ``torch.load``.
        trust_checkpoint: load a file that needs full unpickling (with a warning) instead of
            raising :class:`UntrustedCheckpointError`. Only for files you trust.

    Returns:
        What the file holds (a checkpoint dict or a bare state dict).
    """
    return _load(filename, map_location, trust_checkpoint=trust_checkpoint)


@contextlib.contextmanager
def checkpoint_loading(trust_checkpoint: bool = False) -> Iterator[None]:
    """Make every checkpoint load inside the block follow this module's rules.

    mmengine, mmdet and mmdeploy load checkpoints with ``torch.load`` (mmengine's URL loader
    even with ``weights_only=False``); inside the block ``torch.load`` is
    :func:`load_checkpoint_file`'s loader, and the previous function is put back on exit
    (also on error). The replacement is process-wide while the block runs: do not load
    unrelated pickles from other threads meanwhile.
    """
    previous = torch.load
    torch.load = functools.wraps(_TORCH_LOAD)(
        functools.partial(_load, trust_checkpoint=trust_checkpoint))
    try:
        yield
    finally:
        torch.load = previous


def check_checkpoint(model: torch.nn.Module, checkpoint: dict, source: str = 'checkpoint',
                     config: str = 'the config') -> None:
    """Raise ``ValueError`` unless ``checkpoint`` holds every tensor of ``model`` with its shape.

    Args:
        model: the model built from ``config``.
        checkpoint: a loaded checkpoint (``{'state_dict': ...}`` or a bare state dict).
        source, config: names used in the message.
    """
    state = checkpoint.get('state_dict', checkpoint)
    state = {k[7:] if k.startswith('module.') else k: v for k, v in state.items()}
    want = model.state_dict()
    missing = [k for k in want if k not in state]
    unexpected = [k for k in state if k not in want]
    shapes = [f'{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(v.shape)}'
              for k, v in want.items() if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if missing or unexpected or shapes:
        def head(items):
            return ', '.join(items[:3]) + (f' (+{len(items) - 3} more)' if len(items) > 3 else '')
        parts = [f'{len(missing)} missing ({head(missing)})' if missing else '',
                 f'{len(unexpected)} unexpected ({head(unexpected)})' if unexpected else '',
                 f'{len(shapes)} of another shape ({head(shapes)})' if shapes else '']
        raise ValueError(f'{source} does not match {config}: '
                         + '; '.join(p for p in parts if p)
                         + '. Pass the config the checkpoint was trained with.')


def load_checkpoint_strict(model: torch.nn.Module, path: str, trust_checkpoint: bool = False,
                           source: Optional[str] = None, config: str = 'the config') -> dict:
    """Load the file ``path`` into ``model`` (:func:`load_checkpoint_file`, then
    :func:`check_checkpoint`, then every tensor) and return the loaded checkpoint.

    Raises:
        ValueError: the checkpoint does not match the model (message names ``source`` and
            ``config``); :class:`UntrustedCheckpointError` as :func:`load_checkpoint_file`.
    """
    from mmengine.runner.checkpoint import _load_checkpoint_to_model
    ckpt = load_checkpoint_file(path, map_location='cpu', trust_checkpoint=trust_checkpoint)
    check_checkpoint(model, ckpt, source=source or f'checkpoint {path}', config=config)
    _load_checkpoint_to_model(model, ckpt, strict=True)
    return ckpt
