"""Resolve weights without downloading: a local file, or a URL already in torch's hub cache."""
import os
import os.path as osp
from typing import Optional


def _is_url(path: str) -> bool:
    return path.startswith(('http://', 'https://'))


def cached_url_path(url: str) -> str:
    """Where ``torch.hub`` (hence mmengine's http loader) caches ``url``."""
    import torch.hub
    return osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(url.split('?')[0]))


def local_weights(weights: Optional[str], option: str, hint: str = '') -> str:
    """Local path of ``weights`` or a ``FileNotFoundError`` naming ``option``.

    Nothing is ever downloaded: a URL resolves only when its file is already in torch's hub
    cache (``$TORCH_HOME/hub/checkpoints``).

    Args:
        weights: local path or URL.
        option: the argument the caller should pass (e.g. ``'det_weights'``).
        hint: extra sentence for the message.
    """
    if not weights:
        raise FileNotFoundError(f'no weights given: pass {option}=<local checkpoint file>. {hint}'
                                .strip())
    weights = str(weights)
    if _is_url(weights):
        cached = cached_url_path(weights)
        if osp.isfile(cached):
            return cached
        raise FileNotFoundError(
            f'{option} is a URL ({weights}) and nothing is downloaded: fetch it yourself '
            f'and pass {option}=<local file> (or place it at {cached}). {hint}'.strip())
    path = osp.expanduser(weights)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{option}: checkpoint file {weights!r} does not exist '
                                f'(cwd {os.getcwd()}). {hint}'.strip())
    return path
