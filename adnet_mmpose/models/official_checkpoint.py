"""Map an official ADNet checkpoint (``net`` / ``net_ema``) onto this package's model."""
from typing import Dict

import torch

_AAM = {'e2h_transform.weight': 'head.aam_weight', 'e2h_transform.bias': 'head.aam_bias'}


def convert_official_state_dict(official: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official ``StackedHGNetV1`` state dict → ``TopdownPoseEstimator`` state dict.

    Renames ``e2h_transform`` to the head's AAM buffers, prefixes the rest with ``backbone.``,
    strips a ``module.`` prefix, drops the never-used skip convolutions of identity blocks
    and casts floating tensors to float32 (parity checkpoints are stored in float16).
    """
    official = {k[7:] if k.startswith('module.') else k: v for k, v in official.items()}
    dead = {k.rsplit('.', 1)[0] for k, v in official.items()
            if k.endswith('skip_layer.conv.weight') and v.shape[0] == v.shape[1]}
    out = {}
    for key, value in official.items():
        if key.rsplit('.', 1)[0] in dead:
            continue
        if value.is_floating_point():
            value = value.float()
        out[_AAM.get(key, 'backbone.' + key)] = value
    return out
