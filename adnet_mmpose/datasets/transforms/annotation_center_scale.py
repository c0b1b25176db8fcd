"""Crop box from the annotation's ``center`` / ``scale`` for datasets whose class ignores them."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class AnnotationCenterScale(BaseTransform):
    """Set ``bbox_center = center`` and ``bbox_scale = 200 · scale`` (square side in pixels)
    from ``raw_ann_info``, as mmpose's ``WFLWDataset`` / ``Face300WDataset`` do themselves.

    For mmpose's ``COFWDataset``, which keeps ``raw_ann_info`` but crops its (clipped) ``bbox``:
    with this transform the crop is the converter's ADNet box, even where it leaves the image.
    A sample without ``raw_ann_info`` (inference from a detected box) is left to
    ``GetBBoxCenterScale``; an annotation without ``center`` / ``scale`` is an error.

    Required keys: raw_ann_info (optional). Added: bbox_center (1, 2), bbox_scale (1, 2).
    """

    def transform(self, results: dict) -> dict:
        ann = results.get('raw_ann_info')
        if ann is None:
            return results
        if 'center' not in ann or 'scale' not in ann:
            raise KeyError(
                f'annotation id {ann.get("id")} ({results.get("img_path", "")}) has no '
                'center/scale: convert the dataset with tools/dataset_converters (default '
                "--box adnet), or use the config's crop_style='hrnet' for mmpose's jsons")
        results['bbox_center'] = np.array([ann['center']], dtype=np.float32)
        results['bbox_scale'] = np.full((1, 2), 200. * float(ann['scale']), dtype=np.float32)
        return results
