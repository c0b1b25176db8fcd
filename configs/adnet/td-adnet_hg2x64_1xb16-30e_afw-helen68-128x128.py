# The released 68-point ADNet (FaceLandmarker's default model): 2 stacks, 64 channels,
# 128×128 input (32×32 maps), trained on CPU on the real 300-W faces bundled in
# ../shared/fixtures (AFW train split + HELEN train, 1,170 faces) and validated on the AFW val
# split (37 faces). The checkpoint lives in adnet_mmpose/checkpoints/ (see metafile.yml).
_base_ = ['./td-adnet_hg2x64_1xb16-10e_afw68-96x96.py']

# the fixtures folder; another location: ADNET_FIXTURES=/path/to/fixtures/ (trailing slash)
fixtures = '{{$ADNET_FIXTURES:{{ fileDirname }}/../../../shared/fixtures/}}'
metainfo = dict(from_file='{{ fileDirname }}/../_base_/datasets/300w.py')
input_size = (128, 128)
heatmap_size = (32, 32)
max_epochs = 30
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3, weight_decay=0))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=200, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs, eta_min=1e-5,
         by_epoch=True),
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(save_best='300w/NME', rule='less', interval=5, max_keep_ckpts=2))

codec = dict(type='ADNetLabel', input_size=input_size, heatmap_size=heatmap_size, sigma=1.5,
             metainfo=metainfo)
model = dict(
    backbone=dict(channels=64, depth=4, input_size=input_size),
    head=dict(input_size=input_size, decoder=codec))

# wider random boxes than the quick-start: the model must also take detector boxes
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomSimilarity', rotate_std=15., scale_std=0.1, shift_std=0.05),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='RandomOcclusion', prob=0.3),
    dict(type='RandomBoxBlur', prob=0.2),
    dict(type='RandomGamma', prob=0.3),
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
train_dataloader = dict(dataset=dict(type='ConcatDataset', datasets=[
    dict(type='Face300WDataset', data_root=fixtures + root, data_mode='topdown',
         metainfo=metainfo, ann_file='train.json', data_prefix=dict(img='images/'),
         pipeline=train_pipeline) for root in ('afw68/', 'helen68_train/')]))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
