# Recipe study, "3×64 @ 128²": one more stack, the same CPU time as 2×64 (fewer epochs).
_base_ = ['./td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py']
# bf16 autocast where the CPU has it natively, fp32 elsewhere (benchmarks/train_speed.py)
optim_wrapper = dict(type='BF16AutocastOptimWrapper')
max_epochs = 16
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=200, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs, eta_min=1e-5,
         by_epoch=True),
]
model = dict(backbone=dict(num_stacks=3), head=dict(stack_weights=(0.25, 0.5, 1.0)))
