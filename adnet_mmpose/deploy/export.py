"""Export an ADNet config + checkpoint to ONNX (:mod:`~adnet_mmpose.runtime.contract`).

Two routes produce the same graph contract:

- ``'mmdeploy'`` (default): ``mmdeploy.apis.torch2onnx`` with ``configs/deploy/`` (TorchScript
  exporter, head rewriter: :mod:`~adnet_mmpose.deploy.mmdeploy_plugin`);
- ``'torch'``: ``torch.onnx.export(dynamo=False)`` of backbone + ``head.forward_with_scores``
  (:func:`~adnet_mmpose.runtime.backends.pytorch.export_onnx_model`), for environments without
  mmdeploy.

Both check the checkpoint against the config first (mmdeploy alone would load a mismatching
checkpoint with a warning) and embed the preprocessing metadata the ONNX Runtime runner reads.
"""
import os.path as osp
from pathlib import Path
from typing import Optional, Union

import numpy as np
from mmengine.config import Config

from adnet_mmpose.apis.model_loading import init_adnet
from adnet_mmpose.runtime.backends.pytorch import export_onnx_model
from adnet_mmpose.runtime.contract import deploy_info, embed_metadata
from adnet_mmpose.utils.checkpoint import checkpoint_loading
from adnet_mmpose.utils.package_files import config_file

DEPLOY_CFG = 'deploy/pose-detection_adnet_onnxruntime_dynamic.py'   # under configs/


def _via_mmdeploy(model, config: str, checkpoint: str, out: str, batch: int,
                  deploy_cfg: str, trust_checkpoint: bool) -> None:
    try:
        from mmdeploy.apis import torch2onnx
        from mmdeploy.utils import load_config
    except ImportError as e:
        raise ImportError('the mmdeploy route needs mmdeploy 1.3.1 (pip install -r '
                          "requirements/deploy.txt); route='torch' exports without it") from e
    deploy = load_config(deploy_cfg)[0]   # imports adnet_mmpose.deploy.mmdeploy_plugin
    w, h = model.head.input_size
    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(batch)]
    with checkpoint_loading(trust_checkpoint):   # mmdeploy loads the checkpoint again
        torch2onnx(imgs, osp.dirname(out) or '.', osp.basename(out), deploy, config, checkpoint,
                   device='cpu')


def export_onnx(config: Union[str, Config], checkpoint: str, out: str, batch: int = 1,
                route: str = 'mmdeploy', deploy_cfg: Optional[str] = None,
                trust_checkpoint: bool = False) -> str:
    """Export ``config`` + ``checkpoint`` to ``out`` (``.onnx``) and return its path.

    Args:
        config: ADNet model config (path or object).
        checkpoint: local checkpoint; must match the config (``ValueError`` otherwise).
        out: output file, must end with ``.onnx``.
        batch: batch size of the example input (the batch axis is dynamic regardless).
        route: ``'mmdeploy'`` or ``'torch'`` (see the module docstring).
        deploy_cfg: mmdeploy deploy config (default ``configs/deploy/...dynamic.py``).
        trust_checkpoint: load a checkpoint that needs full unpickling (trusted files only).
    """
    if not str(out).endswith('.onnx'):
        raise ValueError(f'output file must end with .onnx, got {out}')
    if route not in ('mmdeploy', 'torch'):
        raise ValueError(f"route must be 'mmdeploy' or 'torch', got {route!r}")
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    model = init_adnet(cfg, checkpoint, device='cpu', trust_checkpoint=trust_checkpoint)
    out = str(out)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    if route == 'torch':
        return export_onnx_model(model, out, batch)
    _via_mmdeploy(model, cfg, checkpoint, out, batch, deploy_cfg or config_file(DEPLOY_CFG),
                  trust_checkpoint)
    embed_metadata(out, deploy_info(model))
    return out
