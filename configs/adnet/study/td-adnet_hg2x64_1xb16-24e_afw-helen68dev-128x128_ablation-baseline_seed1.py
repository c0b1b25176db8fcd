# Second seed of the ablation pair, baseline side (no AAM, no ADL), seed 1: see
# td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128_ablation-baseline.py.
_base_ = ['./td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128_ablation-baseline.py']
randomness = dict(seed=1)
