"""Export an ADNet config + checkpoint to ONNX (:mod:`~adnet_mmpose.deploy.contract`).

Two routes produce the same graph contract:

- ``'mmdeploy'`` (default): ``mmdeploy.apis.torch2onnx`` with ``configs/deploy/`` (TorchScript
  exporter, head rewriter: :mod:`~adnet_mmpose.deploy.mmdeploy_plugin`);
- ``'torch'``: ``torch.onnx.export(dynamo=False)`` of backbone + ``head.forward_with_scores``,
  for environments without mmdeploy.

Both check the checkpoint against the config first (mmdeploy alone would load a mismatching
checkpoint with a warning) and embed the preprocessing metadata the ONNX Runtime runner reads.
"""
import json
import os.path as osp
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config

from adnet_mmpose.apis.model_loading import head_boundaries, init_adnet
from adnet_mmpose.utils.checkpoint import checkpoint_loading
from adnet_mmpose.utils.package_files import config_file
from .contract import INPUT_NAME, METADATA_KEY, OPSET, OUTPUT_NAMES

DEPLOY_CFG = 'deploy/pose-detection_adnet_onnxruntime_dynamic.py'   # under configs/


def _plain(value):
    return value.tolist() if isinstance(value, np.ndarray) else value


def deploy_info(model: torch.nn.Module) -> dict:
    """The metadata embedded in the ONNX file, from a model built by :func:`init_adnet`."""
    cfg, head = model.cfg, model.cfg.model.head
    dp = cfg.model.data_preprocessor
    pipeline = cfg.test_dataloader.dataset.pipeline
    padding = next((t.get('padding', 1.25) for t in pipeline
                    if t['type'] == 'GetBBoxCenterScale'), 1.25)
    adnet = any(str(t['type']).split('.')[-1] == 'ADNetAffine' for t in pipeline)
    style = 'adnet' if adnet else 'mmpose'
    meta = model.dataset_meta
    return dict(input_size=list(model.head.input_size), mean=list(dp.mean), std=list(dp.std),
                bgr_to_rgb=bool(dp.get('bgr_to_rgb', False)), padding=float(padding),
                crop_style=style,
                dataset_name=meta.get('dataset_name'), num_keypoints=head.num_keypoints,
                keypoint_colors=_plain(meta.get('keypoint_colors')),
                boundaries=[dict(name=g.name, indices=list(g.indices), closed=g.closed)
                            for g in head_boundaries(cfg)])


class _Contract(torch.nn.Module):
    """Backbone + head as the contract: (B, 3, H, W) → (landmarks, scores)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model.head.forward_with_scores(self.model.extract_feat(x))


def _via_torch(model, out: str, batch: int) -> None:
    w, h = model.head.input_size
    dummy = torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(0))
    axes = {name: {0: 'batch'} for name in (INPUT_NAME, *OUTPUT_NAMES)}
    with torch.no_grad():
        torch.onnx.export(_Contract(model), (dummy, ), out, dynamo=False,
                          input_names=[INPUT_NAME], output_names=list(OUTPUT_NAMES),
                          opset_version=OPSET, dynamic_axes=axes,
                          keep_initializers_as_inputs=False)


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


def embed_metadata(onnx_file: str, info: dict) -> None:
    """Store ``info`` as JSON under :data:`METADATA_KEY` in the ONNX file's metadata."""
    import onnx
    proto = onnx.load(onnx_file)
    kept = [p for p in proto.metadata_props if p.key != METADATA_KEY]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    proto.metadata_props.add(key=METADATA_KEY, value=json.dumps(info))
    onnx.save(proto, onnx_file)


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
    if route == 'mmdeploy':
        _via_mmdeploy(model, cfg, checkpoint, out, batch, deploy_cfg or config_file(DEPLOY_CFG),
                      trust_checkpoint)
    else:
        _via_torch(model, out, batch)
    embed_metadata(out, deploy_info(model))
    return out
