"""tools/analysis/study_curves.py: CPU-hours per epoch from a run's log (the median iteration
time, so a paused window does not count) or from train_speed.py's faces/s, hand-computed."""
import json

import pytest

from tests.conftest import load_script


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/analysis/study_curves.py')


def test_epoch_hours_take_the_median_window(tool):
    # epoch 1: windows of 1.0, 1.2 and a paused 40 s; epoch 2 logged twice (resumed run)
    records = [dict(epoch=1, time=1.0, loss=3.), dict(epoch=1, time=40., loss=3.),
               dict(epoch=1, time=1.2, loss=3.), {'300w/NME': 0.1},
               dict(epoch=2, time=2.0, loss=2.), dict(epoch=2, time=2.0, loss=2.)]
    hours = tool.epoch_hours(records, iters_per_epoch=36, threads=2)
    assert hours == pytest.approx({1: 1.2 * 36 * 2 / 3600, 2: 2.0 * 36 * 2 / 3600})
    assert tool.dev_nme(records, '300w/NME') == {1: 0.1}


def test_benchmark_rates_by_architecture(tool, tmp_path):
    rows = [dict(config='td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py', threads=1,
                 setting='bf16', faces_per_s=16.),
            dict(config='td-adnet_hg2x64_1xb16-11e_afw-helen68dev-192x192.py', threads=1,
                 setting='bf16', faces_per_s=8.),
            dict(config='td-adnet_hg2x64_1xb16-11e_afw-helen68dev-192x192.py', threads=2,
                 setting='bf16', faces_per_s=12.),
            dict(config='td-adnet_hg3x64_1xb16-16e_afw-helen68dev-128x128.py', threads=1,
                 setting='bf16', skipped='n/a')]
    path = tmp_path / 'speed.json'
    path.write_text(json.dumps(dict(rows=rows)))
    assert tool.benchmark_rates(str(path), 'bf16', 1) == {'hg2x64@128x128': 16.,
                                                           'hg2x64@192x192': 8.}
    # a differently named run of the same network shares the row
    assert tool.architecture('td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128_bf16') \
        == 'hg2x64@128x128'
    with pytest.raises(SystemExit, match='no hgSxC'):
        tool.architecture('rtmpose-m_8xb256')
