"""tools/analysis/eval_predictions.py: parity, equality with the metric, mmpose dumps matched by
annotation id, several predictions in one CED plot, bad input."""
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from adnet_mmpose.evaluation.metrics import FaceAlignmentMetric
from tests.conftest import load_script, shared_path as shared

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/analysis/eval_predictions.py')


@pytest.fixture(scope='module')
def parity():
    with np.load(shared('spec', 'parity', 'metrics_io.npz')) as z:
        return dict(z)


def test_parity_json_and_equal_to_metric(tool, parity, tmp_path, capsys):
    np.save(tmp_path / 'pred.npy', parity['WFLW_pred'])
    np.save(tmp_path / 'gt.npy', parity['WFLW_gt'])
    for norm, nname in ((None, 'default'), ('inter_pupil', 'pupil')):
        for thr in (0.1, 0.05):
            out = tmp_path / f'{nname}_{thr}.json'
            argv = ['--pred', str(tmp_path / 'pred.npy'), '--gt', str(tmp_path / 'gt.npy'),
                    '--dataset', 'wflw', '--thr', str(thr), '--json', str(out)]
            tool.main(argv + (['--norm', norm] if norm else []))
            res = json.loads(out.read_text())
            key = f'WFLW_{nname}_{thr:g}'
            assert set(res) == {'NME', f'FR@{thr:g}', f'AUC@{thr:g}', 'P50', 'P90', 'P95',
                                'P99', 'num_images'}
            # the reference's stated 1e-6 absolute; tool vs metric: the same float64 code, 1e-12
            assert abs(res['NME'] - parity[f'{key}_nme']) <= 1e-6
            assert abs(res[f'FR@{thr:g}'] - parity[f'{key}_fr']) <= 1e-6
            assert abs(res[f'AUC@{thr:g}'] - parity[f'{key}_auc']) <= 1e-6
            metric = FaceAlignmentMetric(dataset='wflw', norm=norm, thr=thr)
            metric.process(None, [
                dict(pred_instances=dict(keypoints=p[None]), gt_instances=dict(keypoints=g[None]))
                for p, g in zip(parity['WFLW_pred'], parity['WFLW_gt'])])
            from_metric = metric.evaluate(200)
            assert res == pytest.approx({k.split('/', 1)[1]: v for k, v in from_metric.items()},
                                        abs=1e-12)
    assert 'AUC@0.05' in capsys.readouterr().out


def test_mmpose_dump_and_dataset_json(tool, tmp_path):
    """A DumpResults pickle (shuffled, with ids) against the dataset json = the .npy route."""
    ann = shared('fixtures', 'afw68', 'val.json')
    data = json.loads(ann.read_text())
    anns = sorted(data['annotations'], key=lambda a: a['id'])
    gt = np.stack([np.reshape(a['keypoints'], (-1, 3))[:, :2] for a in anns])
    pred = gt + np.random.default_rng(0).normal(0, 2, gt.shape)
    order = np.random.default_rng(1).permutation(len(anns))
    dump = [dict(id=anns[i]['id'], img_id=anns[i]['image_id'],
                 pred_instances=dict(keypoints=pred[i][None].astype(np.float32),
                                     keypoint_scores=np.ones((1, 68), np.float32)))
            for i in order]
    with open(tmp_path / 'dump.pkl', 'wb') as f:
        pickle.dump(dump, f)
    np.save(tmp_path / 'pred.npy', pred)
    np.save(tmp_path / 'gt.npy', gt)
    np.save(tmp_path / 'worse.npy', gt + 2 * (pred - gt))
    a = tool.main(['--pred', str(tmp_path / 'dump.pkl'), '--gt', str(ann), '--dataset', '300w'])
    b = tool.main(['--pred', str(tmp_path / 'pred.npy'), '--gt', str(tmp_path / 'gt.npy'),
                   '--dataset', '300w'])
    assert a['dump'] == pytest.approx(b['pred'], rel=1e-6)   # the dump stores float32
    # several predictions, labels, one plot, per-label json
    res = tool.main(['--pred', str(tmp_path / 'pred.npy'), str(tmp_path / 'worse.npy'), '--gt',
                     str(ann), '--dataset', '300w', '--label', 'ours', 'worse', '--ced-plot',
                     str(tmp_path / 'ced.png'), '--json', str(tmp_path / 'm.json')])
    assert res['worse']['NME'] == pytest.approx(2 * res['ours']['NME'], rel=1e-9)  # float64
    assert set(json.loads((tmp_path / 'm.json').read_text())) == {'ours', 'worse'}
    assert (tmp_path / 'ced.png').read_bytes()[:4] == b'\x89PNG'
    # bbox norm with the json: the box mmpose's Face300WDataset builds (centre, 200 * scale)
    res = tool.main(['--pred', str(tmp_path / 'dump.pkl'), '--gt', str(ann), '--dataset', '300w',
                     '--norm', 'bbox'])['dump']
    side = 200 * np.array([a['scale'] for a in anns])
    err = np.linalg.norm(pred - gt, axis=-1).mean(1)
    assert res['NME'] == pytest.approx(np.mean(err / side), rel=1e-6)   # float32 predictions


def test_bad_input(tool, tmp_path):
    gt = np.random.default_rng(0).uniform(0, 100, (4, 98, 2))
    np.save(tmp_path / 'gt.npy', gt)
    np.save(tmp_path / 'k68.npy', gt[:, :68])
    bad = gt.copy()
    bad[2, 10] = np.nan
    np.save(tmp_path / 'nan.npy', bad)
    base = ['--gt', str(tmp_path / 'gt.npy'), '--dataset', 'wflw']
    with pytest.raises(ValueError, match=r'k68.npy: image 0: prediction has 68 landmarks, the '
                       'dataset has 98'):
        tool.main(['--pred', str(tmp_path / 'k68.npy')] + base)
    with pytest.raises(ValueError, match=r'nan.npy: image 2: prediction has NaN/inf'):
        tool.main(['--pred', str(tmp_path / 'nan.npy')] + base)
    with pytest.raises(ValueError, match='needs the ground-truth boxes'):
        tool.main(['--pred', str(tmp_path / 'gt.npy'), '--norm', 'bbox'] + base)
    with pytest.raises(ValueError, match='--label needs 1 distinct names'):
        tool.main(['--pred', str(tmp_path / 'gt.npy'), '--label', 'a', 'b'] + base)
    with pytest.raises(SystemExit):
        tool.main(['--pred', str(tmp_path / 'gt.npy'), '--gt', str(tmp_path / 'gt.npy'),
                   '--dataset', 'aflw'])
