# WFLW-98: mmpose's metainfo (keypoints, flip pairs) plus the official ADNet boundary groups.
# Each group lists its landmarks in curve order; closed groups are periodic curves.
_base_ = ['mmpose::_base_/datasets/wflw.py']

dataset_info = dict(boundaries=[
    dict(name='face contour', indices=list(range(0, 33)), closed=False),
    dict(name='right eyebrow', indices=list(range(33, 42)), closed=True),
    dict(name='left eyebrow', indices=list(range(42, 51)), closed=True),
    dict(name='nose bridge', indices=list(range(51, 55)), closed=False),
    dict(name='lower nose', indices=list(range(55, 60)), closed=False),
    dict(name='right eye', indices=list(range(60, 68)), closed=True),
    dict(name='left eye', indices=list(range(68, 76)), closed=True),
    dict(name='outer lip', indices=list(range(76, 88)), closed=True),
    dict(name='inner lip', indices=list(range(88, 96)), closed=True),
    # pupils 96 and 97 belong to no group
])
