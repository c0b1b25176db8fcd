# COFW-29: mmpose's metainfo (keypoints, flip pairs) plus the official ADNet boundary groups.
# Each group lists its landmarks in curve order (not index order); closed groups are periodic.
# The mouth corners 22 and 23 are in both lip groups; pupils 16, 17 and chin 28 in none.
_base_ = ['mmpose::_base_/datasets/cofw.py']

dataset_info = dict(boundaries=[
    dict(name='right eyebrow', indices=[0, 4, 2, 5], closed=True),
    dict(name='left eyebrow', indices=[1, 6, 3, 7], closed=True),
    dict(name='right eye', indices=[8, 12, 10, 13], closed=True),
    # Open although the right eye is closed: the official table's asymmetry (docs/fidelity.md),
    # kept so that targets and ADL normals match the official code.
    dict(name='left eye', indices=[9, 14, 11, 15], closed=False),
    dict(name='nose', indices=[18, 20, 19, 21], closed=True),
    dict(name='lower lip', indices=[22, 26, 23, 27], closed=True),
    dict(name='upper lip', indices=[22, 24, 23, 25], closed=True),
])
