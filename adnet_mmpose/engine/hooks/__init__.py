from .channels_last_hook import ChannelsLastHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = ['ChannelsLastHook', 'WeightsOnlyCheckpointHook']
