"""AnnotationCenterScale: the converter's ADNet box for datasets that crop their bbox."""
import numpy as np
import pytest
from mmpose.registry import TRANSFORMS


def test_box_from_annotation_and_errors():
    t = TRANSFORMS.build(dict(type='AnnotationCenterScale'))
    out = t.transform(dict(raw_ann_info=dict(id=7, center=[50.5, 60.25], scale=0.4)))
    np.testing.assert_array_equal(out['bbox_center'], [[50.5, 60.25]])
    np.testing.assert_allclose(out['bbox_scale'], [[80., 80.]], rtol=1e-7)
    # inference from a detected box: no annotation, GetBBoxCenterScale does the box
    assert 'bbox_center' not in t.transform(dict(bbox=np.zeros((1, 4)), raw_ann_info=None))
    with pytest.raises(KeyError, match=r"annotation id 3 \(a\.jpg\) has no center/scale.*"
                       r"crop_style='hrnet'"):
        t.transform(dict(raw_ann_info=dict(id=3, bbox=[0, 0, 5, 5]), img_path='a.jpg'))
