"""Safe checkpoint loading: the checkpoints mmengine, mmpose and this project write load
weights-only; anything else is refused naming the file, the global and the opt-in, and its
payload never runs; the opt-in warns; ``checkpoint_loading`` restores everything."""
import io
import os
import pickle
import warnings

import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

from adnet_mmpose.utils.checkpoint import (UntrustedCheckpointError, checkpoint_loading,
                                           load_checkpoint_file)
from tests.conftest import REPO
from tests.test_utils.checkpoint_kinds import checkpoint_kinds, payload_checkpoint


@pytest.fixture
def payload(tmp_path):
    marker = tmp_path / 'payload_ran'
    return payload_checkpoint(tmp_path / 'payload.pth', marker), marker


def test_no_escape_hatch_anywhere():
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ
    sources = [p for d in ('adnet_mmpose', 'tools', 'demo', 'configs', 'benchmarks')
               for p in (REPO / d).rglob('*.py')] + [REPO / 'Makefile'] + list(
                   (REPO / 'tools').glob('*.sh'))
    assert len(sources) > 50
    for path in sources:
        text = path.read_text()
        assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in text, path
        assert 'trust_checkpoints(' not in text, path


def test_payload_is_refused_and_never_runs(payload):
    path, marker = payload
    with pytest.raises(UntrustedCheckpointError) as info:
        load_checkpoint_file(path)
    msg = str(info.value)
    assert msg.startswith(f'{path}: refused to load this checkpoint: it needs builtins.exec')
    assert '--trust-checkpoint' in msg and 'trust_checkpoint=True' in msg
    assert isinstance(info.value, ValueError)   # command lines report it like a bad argument
    assert not marker.exists()


def test_trust_checkpoint_warns_and_unpickles(payload):
    path, marker = payload
    with pytest.warns(UserWarning, match='trusted checkpoint.*builtins.exec'):
        ckpt = load_checkpoint_file(path, trust_checkpoint=True)
    assert marker.read_text() == 'payload ran' and 'state_dict' in ckpt


def test_no_warning_when_trust_is_not_needed():
    path = checkpoint_kinds()['mmengine']
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        load_checkpoint_file(path, trust_checkpoint=True)
    assert not [w for w in caught if 'trusted checkpoint' in str(w.message)]


@pytest.mark.parametrize('kind', ['mmengine', 'weights_only', 'converter'])
def test_every_checkpoint_kind_loads_without_opt_in(kind):
    ckpt = load_checkpoint_file(checkpoint_kinds()[kind])
    assert len(ckpt['state_dict']) > 100
    if kind == 'mmengine':   # what torch's plain weights-only load refuses
        with pytest.raises(pickle.UnpicklingError, match='numpy'):
            torch.load(checkpoint_kinds()[kind], weights_only=True)
        assert isinstance(ckpt['message_hub']['log_scalars']['train/loss'], HistoryBuffer)
        assert ckpt['param_schedulers'][-1]['milestones'] == {1: 1}   # a Counter
        assert {'optimizer', 'ema_state_dict', 'meta'} <= set(ckpt)
        assert ckpt['meta']['dataset_meta']['sigmas'].dtype.name == 'float32'


def test_getattr_is_only_history_buffer_statistics():
    class Reach:
        def __reduce__(self):
            return getattr, (HistoryBuffer, '__init__')
    buf = io.BytesIO()
    torch.save({'x': Reach()}, buf)
    buf.seek(0)
    with pytest.raises(UntrustedCheckpointError, match='builtins.getattr'):
        load_checkpoint_file(buf)


def test_checkpoint_loading_scopes_mmengine_loading(payload):
    path, marker = payload
    torch_load, safe = torch.load, torch.serialization.get_safe_globals()
    with pytest.raises(pickle.UnpicklingError):   # mmengine alone: torch refuses numpy
        _load_checkpoint(checkpoint_kinds()['mmengine'])
    with checkpoint_loading():
        assert 'message_hub' in _load_checkpoint(checkpoint_kinds()['mmengine'])
        with pytest.raises(UntrustedCheckpointError, match='--trust-checkpoint'):
            _load_checkpoint(path)
        with checkpoint_loading(trust_checkpoint=True):   # nested: the inner rule wins
            with pytest.warns(UserWarning, match='trusted checkpoint'):
                _load_checkpoint(path)
        assert marker.exists()
        marker.unlink()
        with pytest.raises(UntrustedCheckpointError):     # the outer rule is back
            _load_checkpoint(path)
    assert torch.load is torch_load
    assert set(torch.serialization.get_safe_globals()) == set(safe)
    with pytest.raises(RuntimeError), checkpoint_loading():
        raise RuntimeError('restored on error too')
    assert torch.load is torch_load and not marker.exists()


def test_weights_only_false_inside_the_scope_is_still_safe(payload):
    """mmengine's URL loader passes ``weights_only=False``; inside the scope it is ignored."""
    path, marker = payload
    with checkpoint_loading(), pytest.raises(UntrustedCheckpointError):
        torch.load(path, weights_only=False)
    assert not marker.exists()
