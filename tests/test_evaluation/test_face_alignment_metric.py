"""FaceAlignmentMetric: parity, subsets (raw_ann_info and ann_file), dumps/plots, errors, and the
real mmpose data path (dataset -> pipeline -> PoseDataSample -> Evaluator) on the fixtures.

Bounds: the reference's stated 1e-6 absolute for NME / FR / AUC (float64 NumPy, no CPU-kernel
dependence); 1e-4 px / 1e-5 relative where the data path stores float32 keypoints."""
import json

import numpy as np
import pytest
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData

import adnet_mmpose  # noqa: F401  (registers the metric)
from adnet_mmpose.evaluation.metrics import FaceAlignmentMetric
from mmpose.registry import METRICS
from tests.conftest import shared_path as shared

NORM_NAMES = {'default': None, 'pupil': 'inter_pupil', 'ocular': 'inter_ocular'}


@pytest.fixture(scope='module')
def parity():
    with np.load(shared('spec', 'parity', 'metrics_io.npz')) as z:
        return dict(z)


def samples(pred, gt, tags=None, with_raw=True):
    """Data samples as mmengine's Evaluator hands them to metrics (dicts)."""
    out = []
    for i, (p, g) in enumerate(zip(pred, gt)):
        lo, hi = g.min(0), g.max(0)
        s = dict(id=100 + i, img_id=i, img_path=f'img{i}.jpg',
                 pred_instances=dict(keypoints=p[None].astype(np.float32),
                                     keypoint_scores=np.ones((1, len(p)), np.float32)),
                 gt_instances=dict(keypoints=g[None].astype(np.float32),
                                   keypoints_visible=np.ones((1, len(g)), np.float32),
                                   bboxes=np.concatenate([lo, hi])[None]))
        if with_raw:
            s['raw_ann_info'] = dict(id=100 + i, **(tags[i] if tags else {}))
        out.append(s)
    return out


def run(metric, data, batch=16):
    for i in range(0, len(data), batch):
        metric.process(None, data[i:i + batch])
    return metric.evaluate(len(data))


@pytest.mark.parametrize('dataset', ['300W', 'WFLW', 'COFW'])
@pytest.mark.parametrize('norm', ['default', 'pupil', 'ocular'])
def test_parity(parity, dataset, norm):
    data = samples(parity[f'{dataset}_pred'], parity[f'{dataset}_gt'])
    for thr in (0.1, 0.08, 0.05):
        key, p = f'{dataset}_{norm}_{thr:g}', dataset.lower()
        m = METRICS.build(dict(type='FaceAlignmentMetric', dataset=p, norm=NORM_NAMES[norm],
                               thr=thr))
        res = run(m, data)
        assert abs(res[f'{p}/NME'] - parity[f'{key}_nme']) <= 1e-6
        assert abs(res[f'{p}/FR@{thr:g}'] - parity[f'{key}_fr']) <= 1e-6
        assert abs(res[f'{p}/AUC@{thr:g}'] - parity[f'{key}_auc']) <= 1e-6
        assert res[f'{p}/num_images'] == 200
        assert set(res) == {f'{p}/{k}' for k in ('NME', f'FR@{thr:g}', f'AUC@{thr:g}', 'P50',
                                                 'P90', 'P95', 'P99', 'num_images')}


def test_300w_subsets_from_raw_ann_info(parity):
    pred, gt = parity['300W_pred'], parity['300W_gt']
    tags = [dict(subset='common' if i < 120 else 'challenge') for i in range(200)]
    res = run(FaceAlignmentMetric(dataset='300w'), samples(pred, gt, tags))
    nme = parity['300W_default_0.1_nme_per_image']
    assert res['300w/NME'] == pytest.approx(nme.mean(), abs=1e-6)
    assert res['300w/common/NME'] == pytest.approx(nme[:120].mean(), abs=1e-6)
    assert res['300w/challenge/NME'] == pytest.approx(nme[120:].mean(), abs=1e-6)
    assert res['300w/common/num_images'] == 120
    assert res['300w/challenge/P90'] == pytest.approx(np.percentile(nme[120:], 90), abs=1e-6)
    # explicit list: unknown names are skipped; None: no subsets
    res = run(FaceAlignmentMetric(dataset='300w', subsets=['challenge', 'ibug']),
              samples(pred, gt, tags))
    assert '300w/challenge/NME' in res and not any('common' in k or 'ibug' in k for k in res)
    res = run(FaceAlignmentMetric(dataset='300w', subsets=None), samples(pred, gt, tags))
    assert not any(k.count('/') > 1 for k in res)


def test_wflw_attributes_from_ann_file(parity, tmp_path):
    pred, gt = parity['WFLW_pred'], parity['WFLW_gt']
    names = ('pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur')
    rng = np.random.default_rng(0)
    flags = rng.integers(0, 2, (200, 6))
    flags[:, 3] = 0  # no make-up face: that subset is absent
    ann_file = tmp_path / 'wflw_test.json'
    ann_file.write_text(json.dumps(dict(annotations=[
        dict(id=100 + i, attributes=dict(zip(names, map(int, f)))) for i, f in enumerate(flags)
    ])))
    m = FaceAlignmentMetric(dataset='wflw', ann_file=str(ann_file),
                            ced_plot=str(tmp_path / 'c.png'),
                            outfile_prefix=str(tmp_path / 'out' / 'wflw'))
    res = run(m, samples(pred, gt, with_raw=False))
    nme = parity['WFLW_default_0.1_nme_per_image']
    for j, name in enumerate(names):
        if name == 'makeup':
            assert 'wflw/makeup/NME' not in res
            continue
        sel = flags[:, j] == 1
        assert res[f'wflw/{name}/NME'] == pytest.approx(nme[sel].mean(), abs=1e-6)
        assert res[f'wflw/{name}/num_images'] == sel.sum()
    assert (tmp_path / 'c.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    with np.load(tmp_path / 'out' / 'wflw.per_image.npz') as z:
        np.testing.assert_allclose(z['nme'], nme, atol=1e-6)
        np.testing.assert_allclose(z['pred'], pred, atol=1e-4)
        assert z['id'].tolist() == list(range(100, 300))
        assert z['subsets'][0] == ','.join(n for n, f in zip(names, flags[0]) if f)


def test_dataset_and_prefix_from_meta(parity):
    m = FaceAlignmentMetric()
    m.dataset_meta = dict(dataset_name='cofw')
    res = run(m, samples(parity['COFW_pred'], parity['COFW_gt']))
    assert res['cofw/NME'] == pytest.approx(float(parity['COFW_default_0.1_nme']), abs=1e-6)
    m = FaceAlignmentMetric(dataset='cofw', norm='inter_ocular', prefix='test')
    res = run(m, samples(parity['COFW_pred'], parity['COFW_gt']))
    assert res['test/NME'] == pytest.approx(float(parity['COFW_ocular_0.1_nme']), abs=1e-6)


def test_bbox_norm(parity):
    gt, pred = parity['300W_gt'], parity['300W_pred']
    res = run(FaceAlignmentMetric(dataset='300w', norm='bbox'), samples(pred, gt))
    wh = gt.max(1).astype(np.float32) - gt.min(1).astype(np.float32)
    err = np.linalg.norm(pred.astype(np.float64) - gt, axis=-1).mean(1)
    assert res['300w/NME'] == pytest.approx(np.mean(err / np.sqrt(wh[:, 0] * wh[:, 1])), rel=1e-6)


def test_errors(parity):
    with pytest.raises(ValueError, match=r"valid: \['300w', 'cofw', 'wflw'\]"):
        FaceAlignmentMetric(dataset='aflw')
    with pytest.raises(ValueError, match='unknown norm'):
        FaceAlignmentMetric(dataset='wflw', norm='pupil')
    pred = parity['WFLW_pred'][:8].copy()
    pred[5, 3] = np.nan
    with pytest.raises(ValueError, match=r'image 5: prediction has NaN.*annotation id 105'):
        run(FaceAlignmentMetric(dataset='wflw'), samples(pred, parity['WFLW_gt'][:8]))
    with pytest.raises(ValueError, match='image 0: ground truth has 98 landmarks, the dataset '
                       'has 68'):
        run(FaceAlignmentMetric(dataset='300w'), samples(pred, parity['WFLW_gt'][:8]))
    # subsets without any annotation: full-set results and one warning
    # (test_metric_reads_evaluated_dataset.py)
    res = run(FaceAlignmentMetric(dataset='wflw', subsets=['pose']),
              samples(parity['WFLW_pred'][:4], parity['WFLW_gt'][:4], with_raw=False))
    assert 'wflw/NME' in res and 'wflw/pose/NME' not in res


FIXTURES = [  # dataset class, folder, json, metric dataset
    ('WFLWDataset', 'wflw', 'test_wflw.json', 'wflw'),
    ('Face300WDataset', '300w', 'test_300w.json', '300w'),
    ('COFWDataset', 'cofw', 'test_cofw.json', 'cofw'),
]


@pytest.mark.parametrize('cls, folder, ann, name', FIXTURES)
def test_mmpose_data_path(cls, folder, ann, name, tmp_path):
    """Real dataset + test pipeline + Evaluator; predictions = GT + 2 px in x."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    root = shared('fixtures', 'mmpose_samples', folder)
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=(64, 64)), dict(type='PackPoseInputs')]
    ds = DATASETS.build(dict(type=cls, data_root=str(root), ann_file=ann, data_mode='topdown',
                             data_prefix=dict(img=''), pipeline=pipeline, test_mode=True))
    # subset tags through ann_file (WFLW/300W drop raw_ann_info) or raw_ann_info (COFW)
    data = json.loads((root / ann).read_text())
    for a in data['annotations']:
        a['subset'] = 'odd' if a['id'] % 2 else 'even'
    (tmp_path / 'ann.json').write_text(json.dumps(data))
    ev = Evaluator(dict(type='FaceAlignmentMetric', ann_file=str(tmp_path / 'ann.json')))
    ev.dataset_meta = ds.metainfo
    expected = []
    for i in range(len(ds)):
        sample = ds[i]['data_samples']
        assert ('raw_ann_info' in sample) == (name == 'cofw')  # WFLW/300W datasets drop it
        gt = sample.gt_instances.keypoints
        sample.pred_instances = InstanceData(keypoints=gt + np.array([2.0, 0.0], np.float32))
        ev.process([sample])
        groups = dict(wflw=((60, ), (72, )), cofw=((16, ), (17, )))
        g0, g1 = groups.get(name, ((36, ), (45, )))
        expected.append(2.0 / np.linalg.norm(gt[0, g0].mean(0) - gt[0, g1].mean(0)))
    res = ev.evaluate(len(ds))
    assert res[f'{name}/NME'] == pytest.approx(np.mean(expected), rel=1e-5)
    assert res[f'{name}/num_images'] == len(ds)
    assert sum(res.get(f'{name}/{s}/num_images', 0) for s in ('odd', 'even')) == len(ds)
