"""Mixed-precision training in bf16 where the hardware computes bf16 natively, fp32 elsewhere."""
from contextlib import contextmanager
from functools import lru_cache

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 natively (``avx512_bf16`` or ``amx_bf16`` in its flags);
    elsewhere bf16 autocast on the CPU is emulated, slower than fp32."""
    try:
        with open('/proc/cpuinfo') as f:
            flags = f.read()
    except OSError:
        return False
    return 'avx512_bf16' in flags or 'amx_bf16' in flags


def native_bf16(device_type: str) -> bool:
    """Whether ``device_type`` ('cpu' or 'cuda') computes bf16 natively here."""
    if device_type == 'cuda':
        return torch.cuda.is_bf16_supported(including_emulation=False)
    return device_type == 'cpu' and cpu_has_native_bf16()


@OPTIM_WRAPPERS.register_module()
class BF16AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` that runs the data preprocessor, forward and losses under
    ``torch.autocast(dtype=torch.bfloat16)`` on the model's device when that device computes
    bf16 natively (a CPU with ``avx512_bf16`` / ``amx_bf16``, an Ampere or newer GPU); the
    weights, gradients and optimizer state stay fp32 and no loss scaling is needed (bf16 has
    fp32's exponent range). Elsewhere it trains in fp32 and says so once in the log.

    Config: ``optim_wrapper = dict(type='BF16AutocastOptimWrapper', optimizer=...)``; any
    ``OptimWrapper`` argument (``clip_grad``, ``accumulative_counts``) is accepted.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._device_type = None

    def _autocast_device(self, model: torch.nn.Module):
        """The model's device type when it runs bf16 natively, else None (logged once)."""
        if self._device_type is None:
            device = next(model.parameters()).device.type
            self._device_type = device if native_bf16(device) else ''
            print_log(f'BF16AutocastOptimWrapper: training in bf16 autocast on {device}'
                      if self._device_type else
                      f'BF16AutocastOptimWrapper: this {device} has no native bf16 (on a CPU: no '
                      'avx512_bf16 or amx_bf16 flag), so training runs in fp32 (without the bf16 '
                      'speed-up)', logger='current')
        return self._device_type or None

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        device = self._autocast_device(model)
        with super().optim_context(model):
            if device is None:
                yield
            else:
                with torch.autocast(device, dtype=torch.bfloat16):
                    yield
