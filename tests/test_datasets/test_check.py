"""Bad data never costs a run: tools/train.py finds every bad sample before training and
either stops naming them all or, with --drop-bad-samples, trains without them. The check reads
only the formats it understands (other datasets: one log line), runs on rank 0 and caches its
result per annotation file and modification time."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, shared_path, subprocess_env

CONFIG = 'configs/adnet/td-adnet_hg2x64_1xb16-10e_afw68-96x96.py'


@pytest.fixture(scope='module')
def bad_dataset(tmp_path_factory):
    """6 real AFW faces; one corrupt image, one 67-point annotation, one zero-area box."""
    src = shared_path('fixtures', 'afw68')
    root = tmp_path_factory.mktemp('bad')
    (root / 'images').mkdir()
    data = json.loads((src / 'val.json').read_text())
    data['images'], data['annotations'] = data['images'][:6], data['annotations'][:6]
    for img in data['images']:
        shutil.copy(src / 'images' / img['file_name'], root / 'images' / img['file_name'])
    (root / 'images' / data['images'][0]['file_name']).write_bytes(b'not a jpeg')
    data['annotations'][1]['keypoints'] = data['annotations'][1]['keypoints'][:-3]
    data['annotations'][2]['scale'] = 0
    (root / 'train.json').write_text(json.dumps(data))
    return root, [a['id'] for a in data['annotations'][:3]]


def _train(root, work, *extra):
    opts = [f'train_dataloader.dataset.datasets.{i}.{k}={v}' for i in (0, 1)
            for k, v in [('data_root', f'{root}/'), ('ann_file', 'train.json')]]
    # 16 channels: the data check is under test, not the network (one epoch in seconds)
    opts += ['model.backbone.channels=16', 'train_cfg.max_epochs=1',
             'train_dataloader.batch_size=3', 'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
             'default_hooks.logger.interval=1']
    env = subprocess_env(XDG_CACHE_HOME=str(work / 'cache'))
    return subprocess.run([sys.executable, 'tools/train.py', CONFIG, '--device', 'cpu',
                           '--no-validate', '--work-dir', str(work), *extra,
                           '--cfg-options', *opts], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env=env)


def test_stops_before_training_naming_every_bad_sample(bad_dataset, tmp_path):
    root, ids = bad_dataset
    out = _train(root, tmp_path)
    assert out.returncode != 0
    err = out.stderr
    assert 'Traceback' not in err
    assert '6 problem(s) found before training' in err  # 3 bad samples × the 2 listed files
    assert f'annotation id {ids[0]}' in err and 'image unreadable' in err
    assert f'annotation id {ids[1]}' in err and '67 keypoints, the dataset has 68' in err
    assert f'annotation id {ids[2]}' in err and 'zero-area box' in err
    assert 'Epoch(train)' not in out.stdout + err
    assert 'data check: train_dataloader: 12 samples checked, 6 problem(s)' in out.stdout + err


def test_drop_bad_samples_trains_and_logs_each(bad_dataset, tmp_path):
    root, ids = bad_dataset
    out = _train(root, tmp_path, '--drop-bad-samples')
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    for i in ids:
        assert f'dropped: {root}/train.json: annotation id {i}' in log
    assert 'dropped 3 of 6 annotations' in log
    assert 'Epoch(train) [1][1/2]' in log.replace('  ', ' ')
    assert (tmp_path / 'epoch_1.pth').exists()


# ---- in-process: what is checked, caching, ranks ------------------------------------------

def _face_cfg(root, type_='Face300WDataset', ann='train.json'):
    return dict(type=type_, data_root=f'{root}/', ann_file=ann, data_prefix=dict(img='images/'),
                metainfo=dict(from_file=str(REPO / 'configs/_base_/datasets/300w.py')))


@pytest.fixture
def logs(monkeypatch, tmp_path):
    """Captured log lines of the check; its cache in a temporary folder."""
    from adnet_mmpose.datasets import check
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    lines = []
    monkeypatch.setattr(check, 'print_log', lambda msg, **kw: lines.append(msg))
    return lines


def test_says_how_many_samples_and_caches_by_mtime(bad_dataset, logs, monkeypatch):
    from adnet_mmpose.datasets import check
    root, ids = bad_dataset
    decoded = []
    imread = check.cv2.imread
    monkeypatch.setattr(check.cv2, 'imread', lambda *a: decoded.append(a[0]) or imread(*a))
    ds = dict(type='ConcatDataset', datasets=[_face_cfg(root)])
    first = check.check_dataset_cfg(ds, name='train_dataloader')
    assert [b.ann_id for b in first] == ids and len(decoded) == 6   # each image once
    assert logs[-1] == 'data check: train_dataloader: 6 samples checked, 3 problem(s)'
    decoded.clear()
    assert check.check_dataset_cfg(ds, name='train_dataloader') == first   # a resume
    assert decoded == []                                                   # from the cache
    ann = root / 'train.json'
    os.utime(ann, ns=(ann.stat().st_atime_ns, ann.stat().st_mtime_ns + 10**9))
    assert check.check_dataset_cfg(ds) == first and len(decoded) == 6   # edited: re-checked


def test_steps_aside_for_other_datasets(bad_dataset, logs):
    from adnet_mmpose.datasets.check import check_dataset_cfg
    root, _ = bad_dataset
    wholebody = _face_cfg(root, 'CocoWholeBodyFaceDataset')
    h36m = dict(type='Human36mDataset', data_root=f'{root}/', ann_file='annot/train.npz')
    npz_face = _face_cfg(root, ann='train.npz')
    assert check_dataset_cfg(dict(type='ConcatDataset',
                                  datasets=[wholebody, h36m, npz_face])) == []
    assert len(logs) == 3   # one line per dataset, no summary (nothing was checked)
    assert 'CocoWholeBodyFaceDataset is not one of the COCO-style face datasets' in logs[0]
    assert 'Human36mDataset' in logs[1]
    assert "annotation file 'train.npz' is not COCO-style json" in logs[2]


def test_runs_on_rank_0_only(bad_dataset, monkeypatch):
    import importlib

    from mmengine.config import Config

    from adnet_mmpose.datasets import check
    prep = importlib.import_module('adnet_mmpose.engine.runner_setup')   # the module, not the function
    root, _ = bad_dataset
    cfg = Config(dict(train_dataloader=dict(dataset=_face_cfg(root)), work_dir=str(root)))
    calls = []
    monkeypatch.setattr(check, 'check_dataset_cfg', lambda *a, **k: calls.append(k) or [])
    monkeypatch.setenv('RANK', '1')
    prep._check_data(cfg, drop=False)
    assert calls == []                       # rank 1 leaves it to rank 0
    prep._check_data(cfg, drop=True)         # ... except to apply rank 0's drops
    assert calls[0]['wait'] > 0
    monkeypatch.setenv('RANK', '0')
    prep._check_data(cfg, drop=False)
    assert calls[1]['wait'] == 0
