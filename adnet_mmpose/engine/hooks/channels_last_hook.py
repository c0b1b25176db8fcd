"""Run the model in NHWC (``channels_last``) memory format: a config switch for the GPU."""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's 4-D weights to ``torch.channels_last`` before training, validation
    and testing; convolutions then run (and pass on) NHWC activations.

    The conversion keeps the parameter objects (the optimizer and EMA are unaffected) and does
    not change the results beyond summation order. Whether it helps depends on the machine
    (``benchmarks/train_speed.py`` measures it): measure before switching it on. Config:
    ``custom_hooks = [..., dict(type='ChannelsLastHook')]``.
    """

    priority = 'VERY_HIGH'

    @staticmethod
    def _convert(runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        model.to(memory_format=torch.channels_last)

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_val(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)
