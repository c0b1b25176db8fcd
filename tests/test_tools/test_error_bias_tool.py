"""tools/analysis/error_bias.py: real ground truth (afw68 val) with synthetic normal- and
tangent-biased predictions, an mmpose dump matched by id, JSON / PNG / Markdown outputs,
strict JSON for perfect predictions, bad input."""
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from adnet_mmpose.evaluation.functional import dataset_boundaries
from adnet_mmpose.evaluation.functional.io import load_gt
from adnet_mmpose.utils.boundary import boundary_normals, neighbours
from tests.conftest import load_script

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / 'shared'


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/analysis/error_bias.py')


@pytest.fixture(scope='module')
def afw_val() -> Path:
    path = SHARED / 'fixtures' / 'afw68' / 'val.json'
    if not path.exists():
        pytest.skip(f'{path} is absent (shared/ must sit beside the repo)')
    return path


def test_real_faces_outputs(tool, afw_val, tmp_path, capsys):
    gt = load_gt(str(afw_val))[0]
    prev, nxt = neighbours(dataset_boundaries('300w'), 68)
    normal, tangent = (a.numpy() for a in boundary_normals(torch.from_numpy(gt), prev, nxt))
    rng = np.random.default_rng(0)
    # errors 3x larger along the boundary than across it, and the reverse
    along = gt + rng.normal(0, 1, gt.shape[:2])[..., None] * normal \
        + rng.normal(0, 3, gt.shape[:2])[..., None] * tangent
    across = gt + rng.normal(0, 3, gt.shape[:2])[..., None] * normal \
        + rng.normal(0, 1, gt.shape[:2])[..., None] * tangent
    np.save(tmp_path / 'along.npy', along)
    np.save(tmp_path / 'across.npy', across)
    data = json.loads(afw_val.read_text())
    anns = sorted(data['annotations'], key=lambda a: a['id'])
    order = rng.permutation(len(anns))
    with open(tmp_path / 'dump.pkl', 'wb') as f:
        pickle.dump([dict(id=anns[i]['id'], pred_instances=dict(
            keypoints=along[i][None].astype(np.float32))) for i in order], f)

    out = tmp_path / 'out'
    report = tool.main(['--pred', str(tmp_path / 'along.npy'), str(tmp_path / 'across.npy'),
                        str(tmp_path / 'dump.pkl'), '--gt', str(afw_val), '--dataset', '300w',
                        '--out-dir', str(out), '--label', 'along', 'across', 'dump'])
    saved = json.loads((out / 'error_bias.json').read_text())
    assert saved['num_images'] == 37 and saved['norm'] == 'inter_ocular'
    assert saved['excluded_landmarks'] == [] and list(saved['methods']) == ['along', 'across',
                                                                           'dump']
    along_r, across_r = (saved['methods'][m]['overall']['normal_tangent_ratio']
                         for m in ('along', 'across'))
    # 4 σ of the sampling error of a log RMS ratio over 37 × 68 errors (see test_error_bias.py)
    assert abs(np.log(along_r / (1 / 3))) < 4 / np.sqrt(37 * 68)
    assert abs(np.log(across_r / 3)) < 4 / np.sqrt(37 * 68)
    # the dump stores the same errors in float32: 1e-5 relative
    assert saved['methods']['dump']['overall'] == pytest.approx(
        saved['methods']['along']['overall'], rel=1e-5)
    assert len(saved['methods']['along']['landmarks']) == 68
    assert saved['methods']['along']['groups']['face contour']['landmarks'] == list(range(17))
    assert report['ellipse_scale'] == saved['ellipse_scale'] > 0
    assert (out / 'error_bias.png').read_bytes()[:4] == b'\x89PNG'
    md = (out / 'error_bias.md').read_text()
    assert '## overall' in md and '## inner lip (landmarks 60-67)' in md
    assert md.count('| along |') == 10 and md.count('| across |') == 10
    assert md in capsys.readouterr().out


def test_perfect_predictions_keep_strict_json(tool, tmp_path):
    gt = np.random.default_rng(1).uniform(0, 100, (3, 29, 2))
    np.save(tmp_path / 'gt.npy', gt)
    out = tmp_path / 'out'
    tool.main(['--pred', str(tmp_path / 'gt.npy'), '--gt', str(tmp_path / 'gt.npy'),
               '--dataset', 'cofw', '--out-dir', str(out), '--ellipse-scale', '10'])
    saved = json.loads((out / 'error_bias.json').read_text(),
                       parse_constant=lambda c: pytest.fail(f'non-standard JSON {c}'))
    assert saved['methods']['gt']['overall']['normal_tangent_ratio'] is None
    assert saved['excluded_landmarks'] == [16, 17, 28] and saved['ellipse_scale'] == 10
    assert 'Excluded (in no boundary group): landmarks 16-17, 28.' in (
        out / 'error_bias.md').read_text()


def test_bad_input(tool, tmp_path):
    gt = np.random.default_rng(0).uniform(0, 100, (4, 98, 2))
    np.save(tmp_path / 'gt.npy', gt)
    np.save(tmp_path / 'k68.npy', gt[:, :68])
    np.save(tmp_path / 'three.npy', gt[:3])
    bad = gt.copy()
    bad[2, 10] = np.nan
    np.save(tmp_path / 'nan.npy', bad)
    base = ['--dataset', 'wflw', '--out-dir', str(tmp_path / 'out')]
    gt_arg = ['--gt', str(tmp_path / 'gt.npy')]
    with pytest.raises(ValueError, match=r'k68.npy / --gt .*gt.npy: image 0: prediction has 68 '
                       'landmarks, the dataset has 98'):
        tool.main(['--pred', str(tmp_path / 'k68.npy')] + gt_arg + base)
    with pytest.raises(ValueError, match=r'image 2: prediction has NaN/inf at landmarks \[10\]'):
        tool.main(['--pred', str(tmp_path / 'nan.npy')] + gt_arg + base)
    with pytest.raises(ValueError, match=r'image 2: ground truth has NaN/inf'):
        tool.main(['--pred', str(tmp_path / 'gt.npy'), '--gt', str(tmp_path / 'nan.npy')] + base)
    with pytest.raises(ValueError, match='image 0: ground truth has 98 landmarks, the dataset '
                       'has 68'):
        tool.main(['--pred', str(tmp_path / 'gt.npy')] + gt_arg + base[:1] + ['300w']
                  + base[2:])
    with pytest.raises(ValueError, match='3 predicted images for 4 ground-truth images'):
        tool.main(['--pred', str(tmp_path / 'three.npy')] + gt_arg + base)
    with pytest.raises(ValueError, match='--label needs 1 distinct names'):
        tool.main(['--pred', str(tmp_path / 'gt.npy'), '--label', 'a', 'b'] + gt_arg + base)
    with pytest.raises(SystemExit):
        tool.main(['--pred', str(tmp_path / 'gt.npy'), '--dataset', 'aflw', '--out-dir',
                   str(tmp_path)] + gt_arg)
    assert not (tmp_path / 'out').exists()
