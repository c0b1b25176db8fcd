# 300W-68: mmpose's metainfo (keypoints, flip pairs) plus the official ADNet boundary groups.
# Each group lists its landmarks in curve order; closed groups are periodic curves.
# Unlike WFLW, the eyebrows are open curves; every landmark belongs to exactly one group.
_base_ = ['mmpose::_base_/datasets/300w.py']

dataset_info = dict(boundaries=[
    dict(name='face contour', indices=list(range(0, 17)), closed=False),
    dict(name='right eyebrow', indices=list(range(17, 22)), closed=False),
    dict(name='left eyebrow', indices=list(range(22, 27)), closed=False),
    dict(name='nose bridge', indices=list(range(27, 31)), closed=False),
    dict(name='lower nose', indices=list(range(31, 36)), closed=False),
    dict(name='right eye', indices=list(range(36, 42)), closed=True),
    dict(name='left eye', indices=list(range(42, 48)), closed=True),
    dict(name='outer lip', indices=list(range(48, 60)), closed=True),
    dict(name='inner lip', indices=list(range(60, 68)), closed=True),
])
