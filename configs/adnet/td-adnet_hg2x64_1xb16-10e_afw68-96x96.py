# Small ADNet for the CPU quick-start: 2 stacks, 64 channels, 96×96 input (24×24 maps),
# trained on the real 300-W faces bundled in ../shared/fixtures (AFW train split + HELEN
# train, 1,170 faces) and validated on the AFW val split (37 faces, 68 points).
_base_ = ['mmpose::_base_/default_runtime.py']
# adnet_mmpose registers the components and the visualiser below (importing it changes
# nothing of mmpose; for inference use adnet_mmpose's MMPoseInferencer)
custom_imports = dict(imports=['adnet_mmpose'], allow_failed_imports=False)
# mmpose's PoseLocalVisualizer fails under numpy >= 2.4; this subclass also draws the boundaries
visualizer = dict(type='FaceLandmarkVisualizer', vis_backends=[dict(type='LocalVisBackend')],
                  name='visualizer')

dataset_name = '300w'
dataset_type = 'Face300WDataset'
data_mode = 'topdown'
# the fixtures folder; another location: ADNET_FIXTURES=/path/to/fixtures/ (trailing slash)
fixtures = '{{$ADNET_FIXTURES:{{ fileDirname }}/../../../shared/fixtures/}}'
metainfo = dict(from_file='{{ fileDirname }}/../_base_/datasets/300w.py')
num_keypoints, num_boundaries = 68, 9
input_size = (96, 96)

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-3, weight_decay=0))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs, eta_min=1e-5,
         by_epoch=True),
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(save_best=f'{dataset_name}/NME', rule='less', interval=5, max_keep_ckpts=2))
custom_hooks = [dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=1e-2,
                     update_buffers=True, priority=49),
                dict(type='WeightsOnlyCheckpointHook')]
randomness = dict(seed=0)

codec = dict(type='ADNetLabel', input_size=input_size, heatmap_size=(24, 24), sigma=1.5,
             metainfo=metainfo)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3,
                           bgr_to_rgb=False),
    backbone=dict(type='ADNetHourglass', num_keypoints=num_keypoints,
                  num_boundaries=num_boundaries, num_stacks=2, depth=3, channels=64,
                  input_size=input_size),
    head=dict(type='ADNetHead', num_keypoints=num_keypoints, metainfo=metainfo,
              input_size=input_size, loss=dict(type='ADLoss'), stack_weights=(0.5, 1.0),
              # ADL weighted like the map losses (paper: 1, 10, 10 over 500 epochs) so that the
              # landmarks converge within the few minutes of the quick-start
              loss_weights=(10., 10., 10.), decoder=codec),
    test_cfg=dict(flip_test=True))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomSimilarity', rotate_std=12., scale_std=0.08, shift_std=0.04),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='RandomOcclusion', prob=0.2),
    dict(type='RandomBoxBlur', prob=0.2),
    dict(type='RandomGamma', prob=0.2),
    dict(type='RandomGrayscale', prob=0.2),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='PackPoseInputs'),
]


def _face300w(root, ann, pipeline, test_mode=False):
    return dict(type=dataset_type, data_root=fixtures + root, data_mode=data_mode,
                metainfo=metainfo, ann_file=ann, data_prefix=dict(img='images/'),
                test_mode=test_mode, pipeline=pipeline)


train_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='ConcatDataset', datasets=[
        _face300w('afw68/', 'train.json', train_pipeline),
        _face300w('helen68_train/', 'train.json', train_pipeline)]))
val_dataloader = dict(
    batch_size=16, num_workers=1, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=_face300w('afw68/', 'val.json', val_pipeline, test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(type='FaceAlignmentMetric', dataset=dataset_name, norm='inter_ocular',
                     thr=0.1)
test_evaluator = val_evaluator
