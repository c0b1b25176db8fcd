"""FaceAlignmentMetric reads the annotation file of the dataset it evaluates, at run time:
overriding ``test_dataloader.dataset.data_root`` / ``ann_file`` (what ``--cfg-options`` does)
changes the subsets it reports; annotations without subset tags give one warning naming the
missing field."""
import json
import logging

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.structures import InstanceData

from tests.conftest import REPO, shared_path

CONFIG = REPO / 'configs/adnet/td-adnet_hg4x256_1xb32-500e_wflw-256x256.py'
ATTRS = ('pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur')


def data_root(tmp_path, name, flagged=None, files=('face_landmarks_wflw_test.json', )):
    """A WFLW data root with the fixture faces; ``flagged`` = the attribute every face has
    (None: mmpose's json as downloaded, without attributes)."""
    src = shared_path('fixtures', 'mmpose_samples', 'wflw')
    root = tmp_path / name
    (root / 'annotations').mkdir(parents=True)
    (root / 'WFLW_images').symlink_to(src)
    data = json.loads((src / 'test_wflw.json').read_text())
    if flagged:
        for a in data['annotations']:
            a['attributes'] = {k: int(k == flagged) for k in ATTRS}
    for f in files:
        (root / 'annotations' / f).write_text(json.dumps(data))
    return root


def evaluate(overrides, evaluations=1):
    """Build the config's test dataset and evaluator after ``overrides``; predictions = GT."""
    from mmpose.registry import DATASETS
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict(overrides)
    ds_cfg = cfg.test_dataloader.dataset
    ds_cfg.pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale', padding=1.0),
                       dict(type='PackPoseInputs')]
    dataset = DATASETS.build(ds_cfg)
    ev = Evaluator(cfg.test_evaluator)
    ev.dataset_meta = dataset.metainfo
    for _ in range(evaluations):
        for i in range(len(dataset)):
            sample = dataset[i]['data_samples']
            sample.pred_instances = InstanceData(keypoints=sample.gt_instances.keypoints +
                                                 np.float32(1.0))
            ev.process([sample])
        res = ev.evaluate(len(dataset))
    return res, ev.metrics[0]


@pytest.fixture
def warnings():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_data_root_override_changes_the_file_read(tmp_path):
    pose, blur = data_root(tmp_path, 'pose', 'pose'), data_root(tmp_path, 'blur', 'blur')
    res, metric = evaluate({'test_dataloader.dataset.data_root': f'{pose}/'})
    assert metric.annotation_file() == f'{pose}/annotations/face_landmarks_wflw_test.json'
    assert res['wflw/pose/num_images'] == 4 and 'wflw/blur/NME' not in res
    res, metric = evaluate({'test_dataloader.dataset.data_root': f'{blur}/'})
    assert metric.annotation_file().startswith(f'{blur}/')
    assert res['wflw/blur/num_images'] == 4 and 'wflw/pose/NME' not in res
    assert res['wflw/blur/NME'] == res['wflw/NME'] > 0


def test_ann_file_override_changes_the_file_read(tmp_path):
    root = data_root(tmp_path, 'two', 'makeup', files=('face_landmarks_wflw_test.json', ))
    other = data_root(tmp_path, 'tmp', 'occlusion')
    (root / 'annotations' / 'other.json').write_text(
        (other / 'annotations' / 'face_landmarks_wflw_test.json').read_text())
    res, _ = evaluate({'test_dataloader.dataset.data_root': f'{root}/'})
    assert 'wflw/makeup/NME' in res
    res, metric = evaluate({'test_dataloader.dataset.data_root': f'{root}/',
                            'test_dataloader.dataset.ann_file': 'annotations/other.json'})
    assert metric.annotation_file() == f'{root}/annotations/other.json'
    assert 'wflw/occlusion/NME' in res and 'wflw/makeup/NME' not in res


def test_untagged_annotations_warn_once_naming_the_field(tmp_path, warnings):
    plain = data_root(tmp_path, 'mmpose', None)
    res, _ = evaluate({'test_dataloader.dataset.data_root': f'{plain}/'}, evaluations=2)
    assert res['wflw/num_images'] == 4
    assert not [k for k in res if k.count('/') > 1]   # full set only
    msgs = [r.getMessage() for r in warnings if r.levelno >= logging.WARNING and
            r.getMessage().startswith('FaceAlignmentMetric')]
    assert len(msgs) == 1, msgs
    assert "no 'attributes' field" in msgs[0] and 'pose, expression' in msgs[0]
    assert f'{plain}/annotations/face_landmarks_wflw_test.json' in msgs[0]
