"""Bad data never costs a run: tools/train.py finds every bad sample before training and
either stops naming them all or, with --drop-bad-samples, trains without them."""
import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, shared_path

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
    opts += ['train_cfg.max_epochs=1', 'train_dataloader.batch_size=3',
             'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
             'default_hooks.logger.interval=1']
    return subprocess.run([sys.executable, 'tools/train.py', CONFIG, '--device', 'cpu',
                           '--no-validate', '--work-dir', str(work), *extra,
                           '--cfg-options', *opts], cwd=REPO, capture_output=True, text=True,
                          timeout=600)


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
