# ADNet, COFW-29, the paper recipe: 4-stack hourglass, 256 channels, 256×256 input, Adam 1e-3
# (no weight decay), MultiStepLR [200, 350, 450], 500 epochs, total batch 32, EMA. What is kept
# from the official code and what is fixed: docs/fidelity.md.
_base_ = ['mmpose::_base_/default_runtime.py']
# adnet_mmpose registers the components and the visualiser below (importing it changes
# nothing of mmpose; for inference use adnet_mmpose's MMPoseInferencer)
custom_imports = dict(imports=['adnet_mmpose'], allow_failed_imports=False)
# mmpose's PoseLocalVisualizer fails under numpy >= 2.4; this subclass also draws the boundaries
visualizer = dict(type='FaceLandmarkVisualizer', vis_backends=[dict(type='LocalVisBackend')],
                  name='visualizer')

dataset_name = 'cofw'
dataset_type = 'COFWDataset'
data_mode = 'topdown'
data_root = 'data/cofw/'
img_prefix = 'images/'   # tools/dataset_converters/cofw2json.py layout
# Model selection never sees the test set: the converter holds 5 % of the training images out
# (seeded); training uses the rest, validation and save_best the held-out part, and the test
# file is read only by tools/test.py (docs/fidelity.md#model-selection).
train_ann_file = 'annotations/cofw_train_without_holdout.json'
val_ann_file = 'annotations/cofw_train_holdout.json'
test_ann_file = 'annotations/cofw_test.json'
metainfo = dict(from_file='{{ fileDirname }}/../_base_/datasets/cofw.py')
num_keypoints, num_boundaries = 29, 7
input_size = (256, 256)

# Crop (docs/fidelity.md#crop). 'adnet': the converters' default center/scale (ADNet's rule on
# the face box), cropped as is (padding 1.0) with ADNet's x' = (256/S)(x - c) + 127.5 — the
# crop the official weights were trained with. 'hrnet': mmpose's downloadable jsons
# (HRNet-style boxes), padding 1.25 and mmpose's TopdownAffine.
crop_style = 'adnet'
bbox_padding = dict(adnet=1.0, hrnet=1.25)[crop_style]
affine_type = dict(adnet='ADNetAffine', hrnet='TopdownAffine')[crop_style]
# mmpose's COFWDataset crops the json's bbox; the ADNet crop box is the annotation's
# center/scale, which AnnotationCenterScale reads
box_from_annotation = [dict(type='AnnotationCenterScale')] if crop_style == 'adnet' else []

# runtime
train_cfg = dict(max_epochs=500, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                                    weight_decay=0))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=500, milestones=[200, 350, 450],
                        gamma=0.1, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(save_best=f'{dataset_name}/NME', rule='less', interval=10, max_keep_ckpts=3))
# EMA of parameters and BN statistics after every step: d = 0.5 ** (8 / 10000), the official
# decay (half-life 1250 iterations); MMEngine's momentum is 1 - d. SyncBuffersHook averages
# the BN statistics of all processes at the end of every epoch (as in mmpose's runtime).
custom_hooks = [
    dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=1 - 0.5 ** (8 / 10000),
         update_buffers=True, priority=49),
    # checkpoints load with torch.load(weights_only=True), torch's default since 2.6
    dict(type='WeightsOnlyCheckpointHook'),
    dict(type='SyncBuffersHook'),
]
# With more than one process (tools/dist_train.sh, 4 GPUs × 8 faces for the paper's batch of
# 32), BatchNorm normalises with the statistics of the whole batch, as the official multi-GPU
# training did. MMEngine applies it only under a distributed launcher; torch's SyncBatchNorm
# needs CUDA, so CPU runs keep per-process BN (tools/train.py says so).
sync_bn = 'torch'
# GPU speed switches: cuDNN autotuning for the fixed 256×256 input is on; MMEngine's
# `compile = True` compiles train_step; `tools/train.py --amp` trains in bf16 (the official code
# gained nothing from bf16 or channels_last: dict(type='ChannelsLastHook') in custom_hooks).
env_cfg = dict(cudnn_benchmark=True)
compile = False

# codec, model
codec = dict(type='ADNetLabel', input_size=input_size, heatmap_size=(64, 64), sigma=1.5,
             metainfo=metainfo)
model = dict(
    type='TopdownPoseEstimator',
    # (v - 127.5) / 127.5 on the BGR image, as the official network was trained
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3,
                           bgr_to_rgb=False),
    backbone=dict(type='ADNetHourglass', num_keypoints=num_keypoints,
                  num_boundaries=num_boundaries, num_stacks=4, depth=4, channels=256,
                  input_size=input_size),
    head=dict(type='ADNetHead', num_keypoints=num_keypoints, metainfo=metainfo,
              input_size=input_size, loss=dict(type='ADLoss'),
              stack_weights=(0.125, 0.25, 0.5, 1.0), loss_weights=(1., 10., 10.),
              decoder=codec),
    test_cfg=dict(flip_test=False))

# pipelines, in the official order: flip, random similarity, crop, texture augmentations,
# targets
train_pipeline = [
    dict(type='LoadImage'),
    *box_from_annotation,
    dict(type='GetBBoxCenterScale', padding=bbox_padding),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomSimilarity', rotate_std=18., scale_std=0.1, shift_std=0.05),
    dict(type=affine_type, input_size=input_size),
    dict(type='RandomOcclusion', prob=0.4),
    dict(type='RandomBoxBlur', prob=0.3),
    dict(type='RandomGamma', prob=0.2),
    dict(type='RandomNoiseBlend', prob=0.2),
    dict(type='RandomGrayscale', prob=0.2),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    *box_from_annotation,
    dict(type='GetBBoxCenterScale', padding=bbox_padding),
    dict(type=affine_type, input_size=input_size),
    dict(type='PackPoseInputs'),
]

train_dataloader = dict(
    batch_size=32, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode=data_mode,
                 metainfo=metainfo, ann_file=train_ann_file,
                 data_prefix=dict(img=img_prefix), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode=data_mode,
                 metainfo=metainfo, ann_file=val_ann_file,
                 data_prefix=dict(img=img_prefix), test_mode=True, pipeline=val_pipeline))
test_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode=data_mode,
                 metainfo=metainfo, ann_file=test_ann_file,
                 data_prefix=dict(img=img_prefix), test_mode=True, pipeline=val_pipeline))

# NME (inter-pupil 16-17 as ADNet reports COFW; mmpose's NME uses 8-9), FR / AUC @ 0.1;
# occluded landmarks (visibility 1) are scored like the others. COFW has no subsets.
val_evaluator = dict(type='FaceAlignmentMetric', dataset=dataset_name, norm='inter_pupil',
                     thr=0.1, subsets=None)
test_evaluator = dict(type='FaceAlignmentMetric', dataset=dataset_name, norm='inter_pupil',
                      thr=0.1, subsets=None)
