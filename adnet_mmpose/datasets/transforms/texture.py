"""ADNet's texture augmentations of the cropped face, in the official order and probabilities.

Each acts on ``results['img']`` (H×W×3 uint8, BGR as mmpose loads it) with its own
probability, uses numpy's global RNG (seeded per worker by MMEngine) and leaves keypoints
untouched. Sizes given for a 256 crop in the official code scale with the crop.
"""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


class _RandomApply(BaseTransform):
    """Apply :meth:`_apply` to the image with probability ``prob``."""

    def __init__(self, prob: float):
        if not 0 <= prob <= 1:
            raise ValueError(f'{type(self).__name__}: prob must be in [0, 1], got {prob}')
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            results['img'] = self._apply(results['img'])
        return results

    def __repr__(self):
        return f'{type(self).__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class RandomOcclusion(_RandomApply):
    """Black rectangle: height ``⌊(H/2)·rh⌋``, ``rh ~ U[0.2, 0.8)``, width from
    ``rw = rh − 0.2 + 0.4·U``, centred on a uniformly drawn pixel, clipped to the image."""

    def __init__(self, prob: float = 0.4):
        super().__init__(prob)

    def _apply(self, img):
        h, w = img.shape[:2]
        rh = np.random.uniform(0.2, 0.8)
        rw = rh - 0.2 + 0.4 * np.random.rand()
        dh, dw = int(h / 2 * rh), int(w / 2 * rw)
        cx, cy = int((w - 1) * np.random.rand()), int((h - 1) * np.random.rand())
        img = img.copy()
        img[max(cy - dh // 2, 0):cy + dh // 2 + 1, max(cx - dw // 2, 0):cx + dw // 2 + 1] = 0
        return img


@TRANSFORMS.register_module()
class RandomBoxBlur(_RandomApply):
    """Box filter of size ``⌊(W/20)·U⌋`` (0…12 for a 256 crop), applied when it exceeds 1."""

    def __init__(self, prob: float = 0.3):
        super().__init__(prob)

    def _apply(self, img):
        k = int(img.shape[1] / 20 * np.random.rand())
        return cv2.blur(img, (k, k)) if k > 1 else img


@TRANSFORMS.register_module()
class RandomGamma(_RandomApply):
    """``⌊255·(v/255)^γ⌋`` with γ ~ U[0.25, 1) or U[1, 4), each with probability ½."""

    def __init__(self, prob: float = 0.2):
        super().__init__(prob)

    def _apply(self, img):
        gamma = np.random.uniform(0.25, 1) if np.random.rand() < 0.5 else np.random.uniform(1, 4)
        lut = np.floor(255 * (np.arange(256) / 255.) ** gamma).astype(np.uint8)
        return lut[img]


@TRANSFORMS.register_module()
class RandomNoiseBlend(_RandomApply):
    """Blend with uniform random bytes: ``⌊(1−α)·v + α·noise⌋``, α ~ U[0, 0.5).

    Drawn from the seeded numpy RNG (the official code reads ``os.urandom``, so its training
    cannot be repeated).
    """

    def __init__(self, prob: float = 0.2):
        super().__init__(prob)

    def _apply(self, img):
        alpha = 0.5 * np.random.rand()
        noise = np.random.randint(0, 256, img.shape)
        return np.floor((1 - alpha) * img + alpha * noise).astype(np.uint8)


@TRANSFORMS.register_module()
class RandomGrayscale(_RandomApply):
    """Luminance replicated to 3 channels, with the BGR weights (0.114, 0.587, 0.299).

    The official code applies the RGB weights to its BGR image (swapping B and R); set
    ``official_weights=True`` for that.
    """

    def __init__(self, prob: float = 0.2, official_weights: bool = False):
        super().__init__(prob)
        self.weights = np.array([0.299, 0.587, 0.114] if official_weights else
                                [0.114, 0.587, 0.299], np.float32)

    def _apply(self, img):
        gray = np.clip(img.astype(np.float32) @ self.weights, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
