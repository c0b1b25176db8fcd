# Recipe study, "2×64 @ 128²" trained with the fast CPU setting (benchmarks/train_speed.py): bf16
# autocast (BF16AutocastOptimWrapper) and NHWC activations (ChannelsLastHook). The same recipe as
# td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py (trained in fp32, NCHW), to check over a
# whole schedule that the fast setting trains the same.
_base_ = ['./td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py']
optim_wrapper = dict(type='BF16AutocastOptimWrapper')
custom_hooks = [dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=1e-2,
                     update_buffers=True, priority=49),
                dict(type='WeightsOnlyCheckpointHook'),
                dict(type='ChannelsLastHook')]
