# Ablation baseline of the 2×64 @ 128² study recipe: the same backbone, data, epochs and seed,
# without the AAM (landmarks are the soft-argmax of the heatmaps alone; edge and point maps still
# predicted and supervised) and without the ADL (λ = 1: an isotropic smooth-L1 on the landmark
# distance). ADNet's side of the comparison is td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py.
_base_ = ['./td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py']
model = dict(head=dict(attention=False, adaptive_lambda=False))
