"""Face boxes → network crops and crop pixels → image pixels, in numpy + OpenCV only.

Two crop styles, as the model's test pipeline crops (``GetBBoxCenterScale``, then):

* ``'mmpose'``: MMPose's ``TopdownAffine`` without rotation (``cv2.warpAffine``) and
  ``TopdownPoseEstimator.add_pred_to_datasample``'s inverse;
* ``'adnet'``: ADNet's crop ``x' = (w / S)(x − c) + (w − 1) / 2``
  (:func:`adnet_crop_matrix`, pixels by :func:`warp_perspective_1_32`), as the registered
  ``ADNetAffine`` transform does, and its exact inverse.

So the ONNX Runtime path crops exactly as the PyTorch model does. No torch import: this module
serves :class:`~adnet_mmpose.runtime.backends.onnxruntime.ONNXLandmarkRunner`.
"""
from typing import Sequence, Tuple

import cv2
import numpy as np

CROP_STYLES = ('mmpose', 'adnet')


def check_boxes(boxes, img_shape: Tuple[int, int], source: str = 'image') -> np.ndarray:
    """Validate face boxes against an image.

    Args:
        boxes: (4,), (N, 4) or (N, 5) ``x1, y1, x2, y2[, score]`` in image pixels.
        img_shape: (height, width) of the image.
        source: name of the image for messages.

    Returns:
        (N, 5) float32 boxes; the score defaults to 1.

    Raises:
        ValueError: a box that is not finite, is empty (x2 <= x1 or y2 <= y1) or lies entirely
            outside the image.
    """
    arr = np.asarray(boxes, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] not in (4, 5):
        raise ValueError(f'{source}: boxes must be x1, y1, x2, y2[, score] rows, '
                         f'got shape {np.shape(boxes)}')
    if arr.shape[1] == 4:
        arr = np.concatenate([arr, np.ones((len(arr), 1), np.float32)], 1)
    h, w = img_shape[:2]
    for box in arr:
        x1, y1, x2, y2 = box[:4]
        if not np.isfinite(box).all() or x2 <= x1 or y2 <= y1:
            raise ValueError(f'{source}: box {box[:4].tolist()} is empty or not finite '
                             '(need x1 < x2 and y1 < y2)')
        if x2 <= 0 or y2 <= 0 or x1 >= w or y1 >= h:
            raise ValueError(f'{source}: box {box[:4].tolist()} lies outside the '
                             f'{w}×{h} image')
    return arr


def center_scale(boxes: np.ndarray, input_size: Sequence[int],
                 padding: float = 1.25) -> Tuple[np.ndarray, np.ndarray]:
    """Box centres (N, 2) and crop sizes (N, 2) in image pixels, the size padded and widened
    to the input aspect ratio (MMPose's ``bbox_xyxy2cs`` + ``TopdownAffine``)."""
    xy1, xy2 = boxes[:, :2], boxes[:, 2:4]
    center = (xy1 + xy2) * 0.5
    scale = (xy2 - xy1) * padding
    aspect = input_size[0] / input_size[1]
    w, h = scale[:, :1], scale[:, 1:]
    scale = np.where(w > h * aspect, np.hstack([w, w / aspect]), np.hstack([h * aspect, h]))
    return center, scale


def warp_matrix(center: np.ndarray, scale: np.ndarray, input_size: Sequence[int]) -> np.ndarray:
    """2×3 affine image → crop mapping a ``scale``-wide window at ``center`` onto the input.

    Built from three float32 point pairs (centre, half-width to the left, and that offset
    turned by 90°) as MMPose's ``get_warp_matrix`` does, so the matrices agree bit for bit.
    """
    dst_w, dst_h = input_size
    src = np.zeros((3, 2), np.float32)
    dst = np.zeros((3, 2), np.float32)
    src[0] = center
    src[1] = center + np.array([scale[0] * -0.5, 0.])
    dst[0] = [dst_w * 0.5, dst_h * 0.5]
    dst[1] = np.array([dst_w * 0.5, dst_h * 0.5]) + np.array([dst_w * -0.5, 0.])
    for pts in (src, dst):
        d = pts[0] - pts[1]
        pts[2] = pts[1] + np.array([-d[1], d[0]], np.float32)
    return cv2.getAffineTransform(src, dst)


def adnet_crop_matrix(center: Sequence[float], scale: Sequence[float],
                      input_size: Tuple[int, int], rotation: float = 0.) -> np.ndarray:
    """3×3 float64 matrix of ADNet's crop (the official ``GetCropMatrix`` with
    ``align_corners=True``, generalised to a box rotated by ``rotation`` degrees).

    ``x' = diag(w / S_w, h / S_h) · R · (x − c) + ((w − 1) / 2, (h − 1) / 2)``, where ``c`` is
    the box centre, ``S`` its side in pixels and ``R`` turns by ``−rotation`` (the sign of
    mmpose's ``bbox_rotation``: a box rotated by +θ is turned upright). For a 256 crop this is
    ``x' = (256 / S)(x − c) + 127.5``; mmpose's ``TopdownAffine`` maps to ``... + 128``.
    """
    w, h = input_size
    t = np.deg2rad(float(rotation))
    rot = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    lin = np.array([[w / float(scale[0])], [h / float(scale[1])]]) * rot
    m = np.eye(3)
    m[:2, :2] = lin
    m[:2, 2] = np.array([(w - 1) / 2, (h - 1) / 2]) - lin @ np.asarray(center, np.float64)
    return m


def warp_perspective_1_32(img: np.ndarray, m: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """``cv2.warpPerspective(img, m, size, INTER_LINEAR, BORDER_CONSTANT 0)`` as OpenCV 4
    computes it: each output pixel's source position (through the inverse of ``m``, in
    float64) rounded to 1/32 px, then bilinear weights from OpenCV's 1/32-px tables
    (``cv2.remap`` with fixed-point maps). OpenCV 5 interpolates at the exact position instead,
    which moves up to 2 grey levels on ~10 % of the pixels of a face crop; this function gives
    the official crops' pixels under either version.
    """
    w, h = size
    inv = np.linalg.inv(m)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    den = inv[2, 0] * xs + inv[2, 1] * ys + inv[2, 2]
    den = np.where(den != 0, 32. / np.where(den != 0, den, 1.), 0.)
    lim = np.iinfo(np.int32)
    fx = np.clip((inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2]) * den, lim.min, lim.max)
    fy = np.clip((inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]) * den, lim.min, lim.max)
    ix, iy = np.rint(fx).astype(np.int64), np.rint(fy).astype(np.int64)
    i16 = np.iinfo(np.int16)
    xy = np.clip(np.stack([ix >> 5, iy >> 5], axis=-1), i16.min, i16.max).astype(np.int16)
    frac = ((iy & 31) * 32 + (ix & 31)).astype(np.uint16)
    return cv2.remap(img, xy, frac, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=0)


def _check_style(style: str) -> None:
    if style not in CROP_STYLES:
        raise ValueError(f'crop style must be one of {CROP_STYLES}, got {style!r}')


def crop_faces(img: np.ndarray, boxes: np.ndarray, input_size: Sequence[int],
               padding: float = 1.25,
               style: str = 'mmpose') -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crops (N, H, W, C) of ``img`` (H×W×C) for (N, ≥4) boxes; centres and sizes (N, 2).

    ``style``: ``'mmpose'`` (``TopdownAffine``) or ``'adnet'`` (``ADNetAffine``), see the
    module docstring.
    """
    _check_style(style)
    center, scale = center_scale(boxes, input_size, padding)
    size = (int(input_size[0]), int(input_size[1]))
    if style == 'adnet':
        crops = [warp_perspective_1_32(img, adnet_crop_matrix(c, s, size), size)
                 for c, s in zip(center, scale)]
    else:
        crops = [cv2.warpAffine(img, warp_matrix(c, s, input_size), size, flags=cv2.INTER_LINEAR)
                 for c, s in zip(center, scale)]
    return np.stack(crops), center, scale


def normalise(crops: np.ndarray, mean, std, bgr_to_rgb: bool) -> np.ndarray:
    """(N, H, W, 3) uint8 BGR crops → (N, 3, H, W) float32 network input, as the model's data
    preprocessor computes it."""
    x = crops[..., ::-1] if bgr_to_rgb else crops
    x = (x.astype(np.float32) - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def to_image(landmarks: np.ndarray, center: np.ndarray, scale: np.ndarray,
             input_size: Sequence[int], style: str = 'mmpose') -> np.ndarray:
    """Input-crop pixels (N, K, 2) → image pixels (N, K, 2), the inverse of
    :func:`crop_faces` with the same ``style``: ``x = x'·S / w + c − S / 2`` (MMPose's top-down
    rule) or ``x = (x' − (w − 1) / 2)·S / w + c`` (ADNet's)."""
    _check_style(style)
    size = np.asarray(input_size, np.float32)
    if style == 'adnet':
        return (landmarks - (size - 1) * 0.5) / size * scale[:, None] + center[:, None]
    return landmarks / size * scale[:, None] + center[:, None] - 0.5 * scale[:, None]
