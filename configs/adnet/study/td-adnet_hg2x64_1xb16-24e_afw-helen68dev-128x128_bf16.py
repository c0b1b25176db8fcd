# Recipe study, "2×64 @ 128²" trained in bf16 autocast (BF16AutocastOptimWrapper): the same
# recipe as td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py (trained in fp32), to check over
# a whole schedule that bf16 trains the same, and to put 2×64 on the same time axis as the other
# recipes of the study, which train in bf16.
_base_ = ['./td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py']
optim_wrapper = dict(type='BF16AutocastOptimWrapper')
