# Recipe study, "2×96 @ 128²" with the epochs of the CPU time of 2×64 @ 128² × 24 epochs:
# benchmarks/train_speed.py measured 2×96 at 91 % of 2×64's training speed (bf16 + NHWC, one
# thread), so 22 epochs, not the 11 that a 2.2× MAC count suggested
# (td-adnet_hg2x96_1xb16-11e_afw-helen68dev-128x128.py).
_base_ = ['./td-adnet_hg2x96_1xb16-11e_afw-helen68dev-128x128.py']
max_epochs = 22
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=200, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs, eta_min=1e-5,
         by_epoch=True),
]
custom_hooks = [dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=1e-2,
                     update_buffers=True, priority=49),
                dict(type='WeightsOnlyCheckpointHook'),
                dict(type='ChannelsLastHook')]
