# Recipe study, "2×64 @ 192²": a larger input (48×48 maps), the same CPU time as 2×64 @ 128²
# (fewer epochs). The pipelines are the 128² recipe's with the new size.
_base_ = ['./td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py']
input_size = (192, 192)
fixtures = '{{$ADNET_FIXTURES:{{ fileDirname }}/../../../../shared/fixtures/}}'
dev_split = '{{ fileDirname }}/../../../data/helen68_dev/'
metainfo = dict(from_file='{{ fileDirname }}/../../_base_/datasets/300w.py')
# bf16 autocast where the CPU has it natively, fp32 elsewhere (benchmarks/train_speed.py)
optim_wrapper = dict(type='BF16AutocastOptimWrapper')
max_epochs = 11
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=200, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs, eta_min=1e-5,
         by_epoch=True),
]
codec = dict(type='ADNetLabel', input_size=input_size, heatmap_size=(48, 48), sigma=1.5,
             metainfo=metainfo)
model = dict(backbone=dict(input_size=input_size), head=dict(input_size=input_size,
                                                             decoder=codec))
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
# mmengine replaces lists wholesale: the datasets are given again with the new pipelines


def _face300w(root, ann, pipeline, test_mode=False):
    return dict(type='Face300WDataset', data_root=fixtures + root, data_mode='topdown',
                metainfo=metainfo, ann_file=ann, data_prefix=dict(img='images/'),
                test_mode=test_mode, pipeline=pipeline)


train_dataloader = dict(dataset=dict(type='ConcatDataset', datasets=[
    _face300w('afw68/', 'train.json', train_pipeline),
    _face300w('helen68_train/', dev_split + 'train_without_holdout.json', train_pipeline)]))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
