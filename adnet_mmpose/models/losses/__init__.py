from .ad_loss import ADLoss
from .weighted_awing_loss import WeightedAdaptiveWingLoss

__all__ = ['ADLoss', 'WeightedAdaptiveWingLoss']
