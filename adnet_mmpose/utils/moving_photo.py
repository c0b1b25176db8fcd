"""A video with known motion: a still photo moved by a smooth similarity transform per frame
(pan, zoom, small rotation), so a tracker's landmarks can be compared with where the motion
puts the photo's own landmarks. numpy + OpenCV only."""
from typing import Tuple

import cv2
import numpy as np


class MovingPhoto:
    """Frame ``k`` is ``photo`` warped by :meth:`matrix` ``(k)`` onto a grey ``size`` canvas.

    The motion is periodic (``period`` frames): the photo's centre moves on a figure of eight
    of half-width ``pan`` pixels about the frame centre, its scale swings by ``± zoom`` and its
    rotation by ``± rotation`` degrees.

    Args:
        photo: (h, w, 3) uint8 BGR image.
        size: (width, height) of the frames.
        pan: largest horizontal shift, pixels (the vertical one is half of it).
        zoom: largest relative change of scale.
        rotation: largest rotation, degrees.
        period: frames per cycle of the motion.
    """

    def __init__(self, photo: np.ndarray, size: Tuple[int, int] = (640, 480),
                 pan: float = 80., zoom: float = 0.15, rotation: float = 10.,
                 period: int = 150):
        if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
            raise ValueError(f'photo must be an (h, w, 3) uint8 image, got {photo.dtype} '
                             f'{photo.shape}')
        if period < 1:
            raise ValueError(f'period={period}: must be at least 1 frame')
        self.photo, self.size = photo, (int(size[0]), int(size[1]))
        self.pan, self.zoom, self.rotation, self.period = pan, zoom, rotation, period

    def matrix(self, k: int) -> np.ndarray:
        """(2, 3) float64 affine map of photo pixels to frame ``k``'s pixels."""
        t = 2 * np.pi * k / self.period
        scale = 1 + self.zoom * np.sin(t)
        angle = self.rotation * np.sin(2 * t + 1.)
        h, w = self.photo.shape[:2]
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, scale)
        shift = np.array([self.pan * np.sin(t), self.pan / 2 * np.sin(2 * t)])
        m[:, 2] += (np.array(self.size) - 1) / 2 - (np.array([w, h]) - 1) / 2 + shift
        return m

    def frame(self, k: int) -> np.ndarray:
        """(H, W, 3) uint8 frame ``k``."""
        return cv2.warpAffine(self.photo, self.matrix(k), self.size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(127, 127, 127))

    def points(self, k: int, xy: np.ndarray) -> np.ndarray:
        """Photo points (..., 2) → their position in frame ``k``."""
        m = self.matrix(k)
        return xy @ m[:, :2].T + m[:, 2]
