"""Make the checkpoints MMEngine writes loadable with ``torch.load(weights_only=True)``."""
from collections import Counter

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def to_plain(obj):
    """Recursively turn numpy arrays / scalars into lists / Python numbers and Counters into
    dicts; tensors and plain containers are kept."""
    if isinstance(obj, torch.Tensor):
        return obj
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Counter):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, dict):
        return type(obj)((k, to_plain(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_plain(v) for v in obj)
    return obj


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Rewrite every checkpoint before it is saved so that torch >= 2.6 loads it with its
    default ``weights_only=True`` (mmengine 0.10.7 stores numpy arrays, numpy scalars, a
    ``Counter`` of LR milestones and logging buffers, which torch refuses).

    The model, optimizer, scheduler, EMA and runtime state are kept (numpy values become
    lists / numbers; MultiStepLR milestones a dict); the smoothing windows of logged scalars
    (``message_hub.log_scalars``) are dropped, so after a resume the log's running averages
    restart — nothing that affects training.
    """

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        hub = checkpoint.get('message_hub')
        if isinstance(hub, dict):
            hub['log_scalars'] = {}
            hub['resumed_keys'] = {k: v for k, v in hub.get('resumed_keys', {}).items()
                                   if k in hub.get('runtime_info', {})}
        for key in list(checkpoint):
            if key not in ('state_dict', 'ema_state_dict'):
                checkpoint[key] = to_plain(checkpoint[key])
