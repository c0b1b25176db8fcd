# Recipe study for the released 68-point model (docs/released_model.md), recipe "2×64 @ 128²":
# the released recipe, trained on AFW train + HELEN train less a dev split of 10 % of its
# photos (seed 0, 88 faces), selected on that dev split. AFW val (37 faces) is scored after
# training (tools/analysis/study_curves.py), never used for selection. Make the split first:
#   python tools/dataset_converters/holdout_split.py ../shared/fixtures/helen68_train/train.json \
#       --by photo --fraction 0.1 --seed 0 --out-dir data/helen68_dev
_base_ = ['../td-adnet_hg2x64_1xb16-30e_afw-helen68-128x128.py']

fixtures = '{{$ADNET_FIXTURES:{{ fileDirname }}/../../../../shared/fixtures/}}'
dev_split = '{{ fileDirname }}/../../../data/helen68_dev/'
metainfo = dict(from_file='{{ fileDirname }}/../../_base_/datasets/300w.py')

max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=200, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs, eta_min=1e-5,
         by_epoch=True),
]
# every epoch kept: the study scores each one on both splits
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=-1))


def _face300w(root, ann, pipeline, test_mode=False):
    return dict(type='Face300WDataset', data_root=fixtures + root, data_mode='topdown',
                metainfo=metainfo, ann_file=ann, data_prefix=dict(img='images/'),
                test_mode=test_mode, pipeline=pipeline)


train_dataloader = dict(dataset=dict(type='ConcatDataset', datasets=[
    _face300w('afw68/', 'train.json', {{_base_.train_pipeline}}),
    _face300w('helen68_train/', dev_split + 'train_without_holdout.json',
              {{_base_.train_pipeline}})]))
val_dataloader = dict(dataset=_face300w('helen68_train/', dev_split + 'train_holdout.json',
                                        {{_base_.val_pipeline}}, test_mode=True))
test_dataloader = dict(dataset=_face300w('afw68/', 'val.json', {{_base_.val_pipeline}},
                                         test_mode=True))
