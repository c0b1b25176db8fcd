"""Adaptive Wing loss with ADNet's foreground weight map."""
import torch
import torch.nn.functional as F
from mmpose.models.losses import AdaptiveWingLoss
from mmpose.registry import MODELS


@MODELS.register_module()
class WeightedAdaptiveWingLoss(AdaptiveWingLoss):
    """mmpose's :class:`AdaptiveWingLoss` averaged with the weight map
    ``W = weight·[maxpool3×3(target) ≥ threshold] + 1``.

    The per-pixel loss is mmpose's own: ``mean(W·ℓ) = mean(ℓ) + weight·(M/T)·mean_M(ℓ)`` over
    the M of T pixels inside the map, each mean computed by the parent's ``criterion``.

    Args:
        weight (float): extra weight of foreground pixels (official: 10).
        threshold (float): foreground threshold on the dilated target (official: 0.2).
        Others as :class:`AdaptiveWingLoss` (defaults ω=14, θ=0.5, ε=1, α=2.1 are ADNet's).

    Shapes: ``output``, ``target``: (B, C, H, W) → scalar.
    """

    def __init__(self, weight: float = 10., threshold: float = 0.2, **kwargs):
        super().__init__(**kwargs)
        self.weight, self.threshold = weight, threshold

    def criterion(self, pred, target):
        loss = super().criterion(pred, target)
        with torch.no_grad():
            fg = F.max_pool2d(target, 3, stride=1, padding=1) >= self.threshold
        if fg.any():
            frac = fg.sum() / fg.numel()
            loss = loss + self.weight * frac * super().criterion(
                pred[fg].view(1, 1, 1, -1), target[fg].view(1, 1, 1, -1))
        return loss
