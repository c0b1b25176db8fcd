"""ADNetAffine: the official crop matrix and pixels, mmpose's inverse, bad input.

The official crop (``GetCropMatrix(align_corners=True)`` + ``cv2.warpPerspective``) is
``x' = k(x - c) + 127.5`` with ``k = 256 / (200 scale)``; mmpose's ``TopdownAffine`` is the same
map with ``+128``, i.e. with its centre moved by ``S / 512``.
"""
import cv2
import numpy as np
import pytest
from mmpose.registry import TRANSFORMS
from mmpose.structures.bbox import get_warp_matrix

from adnet_mmpose.datasets.transforms import adnet_crop_matrix, warp_perspective_1_32
from tests.conftest import shared_path


def official_crop_matrix(scale, center_w, center_h, size=256):
    """The official test-time crop matrix, written from its definition."""
    k = size / (200.0 * scale)
    to = (size - 1) / 2.0
    return np.array([[k, 0, to - k * center_w], [0, k, to - k * center_h], [0, 0, 1.]])


def crop(img, center, side, rotation=None, keypoints=None, size=(256, 256)):
    results = dict(img=img, bbox_center=np.array([center], np.float32),
                   bbox_scale=np.array([[side, side]], np.float32))
    if rotation is not None:
        results['bbox_rotation'] = np.array([rotation], np.float32)
    if keypoints is not None:
        results['keypoints'] = np.asarray(keypoints, np.float32)[None]
    return TRANSFORMS.build(dict(type='ADNetAffine', input_size=size)).transform(results)


def test_matrix_is_the_official_one():
    m = adnet_crop_matrix((482.65, 164.29), (109.5, 109.5), (256, 256))
    # float64 arithmetic of the same formula in another order: a few ulps
    np.testing.assert_allclose(m, official_crop_matrix(109.5 / 200, 482.65, 164.29),
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize('rotation', [0., 17.5, -40.])
def test_equals_topdown_affine_with_the_centre_shift(rotation):
    """mmpose's matrix at ``input_center`` (= c + S/512 per axis without rotation) is ours."""
    c, s = np.array([300.25, 210.5]), 150.
    res = crop(np.zeros((400, 600, 3), np.uint8), c, s, rotation)
    if rotation == 0:
        np.testing.assert_allclose(res['input_center'], c + s / 512, rtol=0, atol=1e-9)
    mm = get_warp_matrix(res['input_center'], np.array([s, s]), rotation, output_size=(256, 256))
    # get_warp_matrix solves a 3-point system in float32: ~1e-5 of the entries' size
    np.testing.assert_allclose(mm, res['crop_matrix'][:2], rtol=0, atol=2e-3)
    np.testing.assert_allclose(mm[:, :2], res['crop_matrix'][:2, :2], rtol=0, atol=1e-6)


def test_keypoints_and_mmpose_inverse_round_trip():
    rng = np.random.default_rng(0)
    kpts = rng.uniform(200, 400, (98, 2))
    c, s = np.array([300.7, 290.2]), 231.
    res = crop(np.zeros((600, 600, 3), np.uint8), c, s, keypoints=kpts)
    m = official_crop_matrix(s / 200, *c)
    want = kpts @ m[:2, :2].T + m[:2, 2]
    # float32 keypoints (mmpose stores them so): 1e-4 px at 400 px
    np.testing.assert_allclose(res['transformed_keypoints'][0], want, atol=1e-4)
    # TopdownPoseEstimator.add_pred_to_datasample's inverse with the transform's input_center
    back = (res['transformed_keypoints'][0] / np.array(res['input_size']) * res['input_scale']
            + res['input_center'] - 0.5 * res['input_scale'])
    np.testing.assert_allclose(back, kpts, atol=1e-4)


def test_official_pixels_on_real_faces(parity_dir):
    """The crops the official code made of the WFLW fixture faces (parity data): equal."""
    io = np.load(parity_dir / 'official_wflw_io.npz')
    root = shared_path('fixtures', 'mmpose_samples', 'wflw')
    for n in range(2):
        img = cv2.imread(str(root / str(io['e2e_files'][n])))
        res = crop(img, io['e2e_center'][n], 200 * float(io['e2e_scale'][n]))
        # bit-equal: same matrix, source positions rounded to 1/32 px as the official OpenCV
        np.testing.assert_array_equal(res['img'], io['images_bgr'][n])


def test_warp_is_opencv_bilinear_at_1_32_px():
    """Against a float64 bilinear interpolation at the source positions rounded to 1/32 px."""
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (90, 120, 3), dtype=np.uint8)
    m = adnet_crop_matrix((61.3, 40.7), (70.2, 70.2), (64, 64), rotation=23.)
    out = warp_perspective_1_32(img, m, (64, 64))
    ys, xs = np.mgrid[0:64, 0:64].astype(np.float64)
    inv = np.linalg.inv(m)
    sx = np.rint((inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2]) * 32) / 32
    sy = np.rint((inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]) * 32) / 32
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]

    def px(y, x):  # constant 0 outside the image
        inside = ((x >= 0) & (x < 120) & (y >= 0) & (y < 90))[..., None]
        return np.where(inside, img[np.clip(y, 0, 89), np.clip(x, 0, 119)], 0).astype(float)

    ref = ((1 - fy) * ((1 - fx) * px(y0, x0) + fx * px(y0, x0 + 1)) +
           fy * ((1 - fx) * px(y0 + 1, x0) + fx * px(y0 + 1, x0 + 1)))
    # OpenCV's fixed-point weights (15 bits) and final rounding: within one grey level
    assert np.abs(out - ref).max() <= 1.0


def test_bad_box_is_named():
    with pytest.raises(ValueError, match='bad box'):
        crop(np.zeros((10, 10, 3), np.uint8), (5, 5), 0.)
    with pytest.raises(ValueError, match='input_size'):
        TRANSFORMS.build(dict(type='ADNetAffine', input_size=(256., 256)))
