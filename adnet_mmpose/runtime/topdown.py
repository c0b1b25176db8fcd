"""The one top-down landmark path every entry point uses: face boxes → crops → a backend
(:mod:`~adnet_mmpose.runtime.backends`) → landmarks in image pixels, in numpy + OpenCV only
(no torch)."""
from typing import Tuple

import numpy as np

from .crop import crop_faces, normalise, to_image


def landmarks_in_boxes(backend, img: np.ndarray,
                       boxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Landmarks of the faces in ``boxes``.

    Args:
        backend: any backend of :mod:`~adnet_mmpose.runtime.backends` (``info`` and ``run``).
        img: (H, W, 3) uint8 BGR image.
        boxes: (N, ≥4) checked ``x1, y1, x2, y2`` face boxes in image pixels
            (:func:`~adnet_mmpose.runtime.crop.check_boxes`).

    Returns:
        keypoints (N, K, 2) in image pixels and scores (N, K), float32.
    """
    info = backend.info
    size = tuple(info['input_size'])
    if not len(boxes):
        k = info['num_keypoints']
        return np.zeros((0, k, 2), np.float32), np.zeros((0, k), np.float32)
    style = info['crop_style']
    crops, center, scale = crop_faces(img, boxes, size, info['padding'], style)
    landmarks, scores = backend.run(normalise(crops, info['mean'], info['std'],
                                              info['bgr_to_rgb']))
    keypoints = to_image(np.asarray(landmarks, np.float32), center, scale, size, style)
    return keypoints.astype(np.float32), np.asarray(scores, np.float32)
