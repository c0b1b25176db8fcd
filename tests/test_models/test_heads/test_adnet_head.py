"""ADNetHead: soft-argmax, AAM, pixel convention, flip test, bad targets."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from adnet_mmpose.models.heads.adnet_head import soft_argmax
from tests.test_models.wflw_model import WFLW_META, build_wflw


def test_soft_argmax_recovers_a_synthetic_peak():
    maps = torch.zeros(1, 2, 64, 64)
    maps[0, 0, 10, 50] = 3.            # row 10, column 50
    maps[0, 1, 20:22, 30] = 1.         # two rows: the mean
    coords, z = soft_argmax(maps)
    # assert_close's float32 defaults (rtol 1.3e-6, atol 1e-5): one division, a few roundings
    torch.testing.assert_close(coords[0, 0], torch.tensor([50 / 63 * 2 - 1, 10 / 63 * 2 - 1]))
    torch.testing.assert_close(coords[0, 1], torch.tensor([30 / 63 * 2 - 1, 20.5 / 63 * 2 - 1]))
    assert z[0].tolist() == [3., 2.]


def test_pixel_convention():
    head = build_wflw(num_stacks=1, channels=32, input_size=(64, 64), depth=1).head
    # official: p = 128·n + 127.5 on a 256 crop; here W = 64: p = 32·n + 31.5
    n = torch.tensor([[-1., 1.], [0., (2 * 10 + 1) / 64 - 1]])
    # float32 defaults: one multiply-add per value
    torch.testing.assert_close(head.decoder.denormalize(n),
                               torch.tensor([[-0.5, 63.5], [31.5, 10.]]))


def test_decoder_input_size_must_match():
    with pytest.raises(ValueError, match=r'input_size \(64, 64\) but its decoder \(128, 128\)'):
        MODELS.build(dict(type='ADNetHead', num_keypoints=98, metainfo=WFLW_META,
                          input_size=(64, 64),
                          decoder=dict(type='ADNetLabel', input_size=(128, 128),
                                       heatmap_size=(32, 32), metainfo=WFLW_META)))


@pytest.fixture(scope='module')
def tiny():
    torch.manual_seed(0)
    return build_wflw(num_stacks=2, channels=32, input_size=(64, 64), depth=2).eval()


def _samples(n, flip_indices):
    return [PoseDataSample(metainfo=dict(flip_indices=flip_indices)) for _ in range(n)]


def test_flip_test_is_mirror_consistent(tiny):
    """predict(flip(x)) = mirror(predict(x)) exactly when the flip test is on."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    from tests.test_models.wflw_model import WFLW_META
    flip_indices = parse_pose_metainfo(WFLW_META)['flip_indices']
    x = torch.randn(2, 3, 64, 64)
    test_cfg = dict(flip_test=True)
    with torch.no_grad():
        a = tiny.head.predict([tiny.extract_feat(x), tiny.extract_feat(x.flip(-1))],
                              _samples(2, flip_indices), test_cfg)
        b = tiny.head.predict([tiny.extract_feat(x.flip(-1)), tiny.extract_feat(x)],
                              _samples(2, flip_indices), test_cfg)
    for pa, pb in zip(a, b):
        mirrored = pb.keypoints[:, flip_indices].copy()
        mirrored[..., 0] = 63 - mirrored[..., 0]
        # the same feature maps averaged in the other order, mirrored twice: float32 rounding at
        # 64 px is ~4e-6 px (scores in [0, 1]: ~1e-7), whatever the kernels
        np.testing.assert_allclose(pa.keypoints, mirrored, atol=1e-4)
        np.testing.assert_allclose(pa.keypoint_scores, pb.keypoint_scores[:, flip_indices],
                                   atol=1e-6)
        assert pa.keypoints.shape == (1, 98, 2) and pa.keypoint_scores.shape == (1, 98)
        assert ((pa.keypoint_scores >= 0) & (pa.keypoint_scores <= 1)).all()


def test_predict_decodes_what_forward_exports(tiny):
    """predict (the codec's decode of the normalised landmarks, numpy) gives forward's pixel
    landmarks (the exported graph, torch) and the same scores: the same float32 multiply-add."""
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        feats = tiny.extract_feat(x)
        landmarks, scores = tiny.head.forward_with_scores(feats)
        preds = tiny.head.predict(feats, _samples(2, None), {})
        coords = tiny.head.decode_stack(feats[-1])['coords']
    for p, lm, sc, c in zip(preds, landmarks, scores, coords):
        np.testing.assert_array_equal(p.keypoints[0], lm.numpy())
        np.testing.assert_array_equal(p.keypoint_scores[0], sc.numpy())
        # the pixels are 32·n + 31.5 of the soft-argmax (W = 64; float32 rounding ~4e-6 px)
        np.testing.assert_allclose(p.keypoints[0], 32 * c.numpy() + 31.5, atol=1e-4)


def test_loss_rejects_non_finite_targets(tiny):
    feats = tiny.extract_feat(torch.randn(1, 3, 64, 64))
    s = PoseDataSample(metainfo=dict(img_path='bad.jpg', id=7))
    labels = torch.zeros(1, 98, 2)
    labels[0, 3, 0] = float('nan')
    s.gt_instance_labels = InstanceData(keypoint_labels=labels,
                                        keypoint_weights=torch.ones(1, 98))
    s.gt_fields = PixelData(heatmaps=torch.zeros(98 + 9, 16, 16))
    with pytest.raises(ValueError, match=r'bad\.jpg \(id 7\)'):
        tiny.head.loss(feats, [s])
