# The released 68-point ADNet (FaceLandmarker's default model): the recipe the CPU study chose
# (docs/released_model.md), 2 stacks × 96 channels at 128×128 (32×32 maps), trained long: 400
# epochs on AFW train + HELEN train less a dev split of 10 % of its photos (seed 0, 88 faces),
# validated on that dev split every 5 epochs (the best dev checkpoint is the release), AFW val
# (37 faces) scored after training only. bf16 autocast + NHWC where the CPU computes bf16
# natively (2× eager fp32 on one thread, benchmarks/train_speed.py), fp32 + NHWC elsewhere.
# Make the dev split first (tools/analysis/run_study.sh does it):
#   python tools/dataset_converters/holdout_split.py ../shared/fixtures/helen68_train/train.json \
#       --by photo --fraction 0.1 --seed 0 --out-dir data/helen68_dev
_base_ = ['./study/td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py']

max_epochs = 400
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(type='BF16AutocastOptimWrapper')
param_scheduler = [
    dict(type='LinearLR', begin=0, end=200, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs, eta_min=1e-5,
         by_epoch=True),
]
model = dict(backbone=dict(channels=96))
# every epoch checkpointed (resumable), the last 3 and the best on the dev split kept
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3, save_best='300w/NME',
                                     rule='less'))
custom_hooks = [dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=1e-2,
                     update_buffers=True, priority=49),
                dict(type='WeightsOnlyCheckpointHook'),
                dict(type='ChannelsLastHook')]
