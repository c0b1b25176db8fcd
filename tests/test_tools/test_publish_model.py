"""tools/misc/publish_model.py: a release keeps the weights and the dataset metainfo only, loads
with weights_only=True, and a checkpoint without metainfo is refused with the reason."""

import pytest
import torch

from tests.conftest import load_script


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/misc/publish_model.py')


def test_release_keeps_weights_and_metainfo(tool, tmp_path):
    weights = {'backbone.w': torch.arange(6.).reshape(2, 3)}
    src = tmp_path / 'epoch_3.pth'
    torch.save(dict(state_dict=weights, optimizer=dict(state={}, param_groups=[]),
                    meta=dict(dataset_meta=dict(num_keypoints=68), epoch=3, iter=30)), src)
    sha = tool.publish(str(src), str(tmp_path / 'release.pth'), note='n')
    out = torch.load(tmp_path / 'release.pth', weights_only=True)
    assert set(out) == {'state_dict', 'meta'} and len(sha) == 64
    assert torch.equal(out['state_dict']['backbone.w'], weights['backbone.w'])
    assert out['meta'] == dict(dataset_meta=dict(num_keypoints=68), epoch=3, iter=30,
                               source='epoch_3.pth', note='n')


def test_without_metainfo_is_refused(tool, tmp_path):
    torch.save(dict(state_dict={}, meta={}), tmp_path / 'a.pth')
    with pytest.raises(ValueError, match='a.pth has no meta.dataset_meta'):
        tool.publish(str(tmp_path / 'a.pth'), str(tmp_path / 'b.pth'))
