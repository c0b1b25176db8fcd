"""Builders of the paper WFLW model shared by the model tests."""
from mmpose.registry import MODELS

from tests.conftest import REPO

WFLW_META = dict(from_file=str(REPO / 'configs/_base_/datasets/wflw.py'))


def build_wflw(num_stacks=4, channels=256, input_size=(256, 256), depth=4, flip_test=False):
    """TopdownPoseEstimator with ADNetHourglass + ADNetHead for WFLW-98 (paper defaults)."""
    codec = dict(type='ADNetLabel', input_size=input_size,
                 heatmap_size=(input_size[0] // 4, input_size[1] // 4), metainfo=WFLW_META)
    return MODELS.build(dict(
        type='TopdownPoseEstimator',
        data_preprocessor=dict(type='PoseDataPreprocessor', mean=[127.5] * 3,
                               std=[127.5] * 3, bgr_to_rgb=False),
        backbone=dict(type='ADNetHourglass', num_keypoints=98, num_boundaries=9,
                      num_stacks=num_stacks, depth=depth, channels=channels,
                      input_size=input_size),
        head=dict(type='ADNetHead', num_keypoints=98, metainfo=WFLW_META,
                  input_size=input_size, decoder=codec,
                  stack_weights=(0.125, 0.25, 0.5, 1.0)[-num_stacks:]),
        test_cfg=dict(flip_test=flip_test)))
