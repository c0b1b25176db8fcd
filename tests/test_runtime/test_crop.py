"""The torch-free crop path (:mod:`adnet_mmpose.runtime.crop`) against the registered transforms:
``style='adnet'`` crops the pixels ``ADNetAffine`` crops, ``style='mmpose'`` those of
``TopdownAffine``, and ``to_image`` inverts each as mmpose maps predictions back."""
import cv2
import numpy as np
import pytest
from mmpose.registry import TRANSFORMS

import adnet_mmpose  # noqa: F401  (registers ADNetAffine)
from adnet_mmpose.runtime.crop import adnet_crop_matrix, check_boxes, crop_faces, to_image
from tests.small_model import afw_faces


def pipeline_crop(img, box, affine, padding, size=(96, 96)):
    """One face through ``GetBBoxCenterScale`` + ``affine`` as ``inference_topdown`` runs it."""
    results = dict(img=img.copy(), bbox=box[None, :4].astype(np.float32),
                   bbox_score=np.ones(1, np.float32))
    for t in (dict(type='GetBBoxCenterScale', padding=padding),
              dict(type=affine, input_size=size)):
        results = TRANSFORMS.build(t)(results)
    return results


@pytest.mark.parametrize('style, affine, padding', [('adnet', 'ADNetAffine', 1.0),
                                                    ('mmpose', 'TopdownAffine', 1.25)])
def test_crops_equal_the_pipeline_transform(style, affine, padding):
    faces = afw_faces(3)
    for path, box in faces:
        img = cv2.imread(path)
        for b in (box, box + [3.3, -2.7, 10.1, 4.9]):   # square and non-square boxes
            boxes = check_boxes(b, img.shape[:2])
            crops, center, scale = crop_faces(img, boxes, (96, 96), padding, style)
            ref = pipeline_crop(img, boxes[0], affine, padding)
            np.testing.assert_array_equal(crops[0], ref['img'])   # same matrix, same warp
            np.testing.assert_array_equal(center[0], ref['bbox_center'][0])
            np.testing.assert_array_equal(scale[0], ref['bbox_scale'][0])
            # crop pixels → image pixels as mmpose's TopdownPoseEstimator does with
            # input_center / input_scale; float32 arithmetic on ~500 px values: ~1e-4 px
            pts = np.random.default_rng(0).uniform(-5, 100, (1, 7, 2)).astype(np.float32)
            mm = pts / 96. * ref['input_scale'] + ref['input_center'] - 0.5 * ref['input_scale']
            np.testing.assert_allclose(to_image(pts, center, scale, (96, 96), style), mm,
                                       atol=1e-3)


def test_adnet_inverse_is_exact():
    """``to_image(style='adnet')`` undoes :func:`adnet_crop_matrix` (float32 landmarks: ~1e-4 px
    on 300 px coordinates)."""
    center, scale = np.array([[211.3, 154.8]]), np.array([[131.7, 98.2]])
    m = adnet_crop_matrix(center[0], scale[0], (96, 64))
    xy = np.array([[[150., 100.], [211.3, 154.8], [280.9, 210.4]]])
    crop = (xy[0] @ m[:2, :2].T + m[:2, 2])[None].astype(np.float32)
    np.testing.assert_allclose(crop[0, 1], [47.5, 31.5], atol=1e-5)   # centre → (w − 1) / 2
    np.testing.assert_allclose(to_image(crop, center, scale, (96, 64), 'adnet'), xy, atol=1e-3)


def test_unknown_style_is_named():
    img = np.zeros((50, 50, 3), np.uint8)
    boxes = check_boxes([10, 10, 40, 40], img.shape[:2])
    with pytest.raises(ValueError, match="crop style .* 'hrnet'"):
        crop_faces(img, boxes, (32, 32), style='hrnet')
    with pytest.raises(ValueError, match='crop style'):
        to_image(np.zeros((1, 2, 2), np.float32), boxes[:, :2], boxes[:, :2], (32, 32), 'x')
