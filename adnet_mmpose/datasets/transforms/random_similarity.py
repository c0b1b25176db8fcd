"""ADNet's random similarity augmentation expressed on mmpose's bbox."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomSimilarity(BaseTransform):
    """Untruncated normal rotation, zoom and shift of the crop box, applied to every sample.

    ``bbox_rotation ~ N(0, rotate_std)`` degrees, ``bbox_scale /= s`` with
    ``s ~ N(1, scale_std)`` (s > 1 zooms in), ``bbox_center += N(0, shift_std)·bbox_scale``
    per axis. Must precede the crop (``ADNetAffine`` or ``TopdownAffine``). mmpose's
    ``RandomBBoxTransform`` draws from normals truncated at ±1σ; the official recipe does not
    truncate (docs/fidelity.md), so rotations beyond 50° occur (~0.5%). ``scale`` draws are kept above ``min_scale`` to avoid a
    degenerate box.

    Required keys: bbox_center, bbox_scale (N, 2). Added/modified: bbox_center, bbox_scale,
    bbox_rotation (N,).
    """

    def __init__(self, rotate_std: float = 18., scale_std: float = 0.1,
                 shift_std: float = 0.05, min_scale: float = 0.5):
        self.rotate_std, self.scale_std = rotate_std, scale_std
        self.shift_std, self.min_scale = shift_std, min_scale

    def transform(self, results: dict) -> dict:
        scale = results['bbox_scale']
        n = scale.shape[0]
        zoom = np.maximum(np.random.normal(1., self.scale_std, (n, 1)), self.min_scale)
        shift = np.random.normal(0., self.shift_std, (n, 2))
        results['bbox_center'] = (results['bbox_center'] + shift * scale).astype(np.float32)
        results['bbox_scale'] = (scale / zoom).astype(np.float32)
        results['bbox_rotation'] = np.random.normal(0., self.rotate_std, n).astype(np.float32)
        return results

    def __repr__(self):
        return (f'RandomSimilarity(rotate_std={self.rotate_std}, scale_std={self.scale_std}, '
                f'shift_std={self.shift_std})')
