"""ADNet's crop: ``x' = (w / S)(x − c) + (w − 1) / 2``, warped as the official code's OpenCV did.

The matrix and the warp live in :mod:`adnet_mmpose.runtime.crop` (numpy + OpenCV), shared with
the inference path.
"""
from typing import Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.datasets.transforms import TopdownAffine
from mmpose.registry import TRANSFORMS

from adnet_mmpose.runtime.crop import adnet_crop_matrix, warp_perspective_1_32


@TRANSFORMS.register_module()
class ADNetAffine(BaseTransform):
    """Crop the box as the official ADNet does, in place of mmpose's ``TopdownAffine``.

    The image goes through :func:`adnet_crop_matrix` with the official call,
    ``cv2.warpPerspective`` (bilinear, constant 0 border), computed as the OpenCV the official
    code ran on does (:func:`warp_perspective_1_32`), so crops are the official pixels;
    keypoints go through the same matrix. The box is first given the aspect ratio of
    ``input_size`` as ``TopdownAffine`` does.

    ``input_center`` (used by mmpose to map predictions back to the image) is the centre for
    which mmpose's ``TopdownAffine`` convention gives this same matrix, ``c + A⁻¹(½, ½)``
    (``c + S / 512`` per axis for a 256 crop without rotation), so mmpose's inverse
    ``x = x'·S / w + input_center − S / 2`` is ADNet's ``x = (x' − 127.5)·S / 256 + c``.

    Required keys: img, bbox_center (1, 2), bbox_scale (1, 2); optional bbox_rotation (1,),
    keypoints (1, K, 2). Modified: img, bbox_scale. Added: input_size, input_center,
    input_scale, transformed_keypoints, crop_matrix (3, 3).
    """

    def __init__(self, input_size: Tuple[int, int]):
        if len(input_size) != 2 or not all(isinstance(v, int) and v > 0 for v in input_size):
            raise ValueError(f'ADNetAffine: input_size must be two positive ints, got '
                             f'{input_size!r}')
        self.input_size = tuple(input_size)

    def transform(self, results: dict) -> dict:
        w, h = self.input_size
        if results['bbox_center'].shape[0] != 1:
            raise ValueError(f'ADNetAffine crops one face per sample, got '
                             f'{results["bbox_center"].shape[0]} boxes '
                             f'({results.get("img_path", "")})')
        results['bbox_scale'] = TopdownAffine._fix_aspect_ratio(results['bbox_scale'], w / h)
        center = results['bbox_center'][0].astype(np.float64)
        scale = results['bbox_scale'][0].astype(np.float64)
        if not (np.all(np.isfinite(center)) and np.all(scale > 0)):
            raise ValueError(f'ADNetAffine: bad box (center {center}, side {scale}) for '
                             f'{results.get("img_path", "")} (annotation id '
                             f'{results.get("id")})')
        rot = float(results['bbox_rotation'][0]) if 'bbox_rotation' in results else 0.
        m = adnet_crop_matrix(center, scale, (w, h), rot)

        img = results['img']
        results['img'] = ([warp_perspective_1_32(i, m, (w, h)) for i in img]
                          if isinstance(img, list) else warp_perspective_1_32(img, m, (w, h)))
        if results.get('keypoints') is not None:
            kpts = results['keypoints']
            out = (results['transformed_keypoints'] if results.get('transformed_keypoints')
                   is not None else kpts).copy()
            out[..., :2] = kpts[..., :2].astype(np.float64) @ m[:2, :2].T + m[:2, 2]
            results['transformed_keypoints'] = out
        else:
            results['transformed_keypoints'] = np.zeros([])
            results['keypoints_visible'] = np.ones((1, 1, 1))
        results['input_size'] = (w, h)
        results['input_center'] = center + np.linalg.solve(m[:2, :2], [0.5, 0.5])
        results['input_scale'] = scale
        results['crop_matrix'] = m
        return results

    def __repr__(self):
        return f'ADNetAffine(input_size={self.input_size})'
