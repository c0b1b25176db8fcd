# Second seed of the ablation pair, ADNet side: td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py
# (fp32, as seed 0 was trained) with seed 1 (initial weights, data order, augmentation).
_base_ = ['./td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py']
randomness = dict(seed=1)
