"""Official checkpoint layout → our model: every dataset's key table converts and loads strictly;
the command-line converter writes a weights_only-loadable file that init_model accepts."""
import runpy
import sys

import pytest
import torch
from mmpose.registry import MODELS

from adnet_mmpose.models.official_checkpoint import convert_official_state_dict
from tests.conftest import REPO, shared_path

CONVERTER = str(REPO / 'tools/model_converters/adnet_official_to_mmpose.py')
LAYOUT = {'WFLW': ('wflw', 98, 9), '300W': ('300w', 68, 9), 'COFW': ('cofw', 29, 7)}


def _official_keys(column):
    rows = [ln.split('\t') for ln in shared_path('spec', 'official_keys.txt').read_text()
            .splitlines() if not ln.startswith('#')]
    return {r[0]: () if r[column] == 'scalar' else tuple(int(x) for x in r[column].split('x'))
            for r in rows}


def _convert(*argv):
    """``python tools/model_converters/adnet_official_to_mmpose.py argv`` in this process (no
    second interpreter to import torch and mmpose); its SystemExit propagates."""
    old, sys.argv = sys.argv, [CONVERTER, *map(str, argv)]
    try:
        runpy.run_path(CONVERTER, run_name='__main__')
    finally:
        sys.argv = old


def _model(name, k, e):
    meta = dict(from_file=str(REPO / f'configs/_base_/datasets/{name}.py'))
    return MODELS.build(dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='ADNetHourglass', num_keypoints=k, num_boundaries=e),
        head=dict(type='ADNetHead', num_keypoints=k, metainfo=meta)))


@pytest.mark.parametrize('column,dataset', [(1, 'WFLW'), (2, '300W'), (3, 'COFW')])
def test_synthetic_official_state_dict_loads_strictly(column, dataset):
    name, k, e = LAYOUT[dataset]
    keys = _official_keys(column)
    assert len(keys) == 1450
    official = {key: (torch.zeros(shape, dtype=torch.long) if key.endswith('tracked')
                      else torch.randn(shape).half()) for key, shape in keys.items()}
    converted = convert_official_state_dict({'module.' + key: v for key, v in official.items()})
    back = {'head.aam_weight': 'e2h_transform.weight', 'head.aam_bias': 'e2h_transform.bias'}
    kept = {back.get(c, c[len('backbone.'):]) for c in converted}
    dropped = set(keys) - kept
    assert len(dropped) == 114 and all('.skip_layer.' in key for key in dropped)
    model = _model(name, k, e)
    model.load_state_dict(converted, strict=True)
    assert model.head.aam_weight.dtype == torch.float32
    # a copy of stored weights: assert_close's defaults (float32: rtol 1.3e-6, atol 1e-5)
    torch.testing.assert_close(model.backbone.pre[0].conv.weight,
                               official['pre.0.conv.weight'].float())


def test_converter_cli_and_init_model(tmp_path, parity_dir):
    dst = tmp_path / 'adnet_wflw.pth'
    _convert(parity_dir / 'official_wflw.pth', dst, '--use-ema')
    ckpt = torch.load(dst, weights_only=True)
    assert ckpt['meta']['source_key'] == 'net_ema' and len(ckpt['state_dict']) == 1336
    from mmpose.apis import init_model
    model = init_model(str(REPO / 'configs/adnet/td-adnet_hg4x256_1xb32-500e_wflw-256x256.py'),
                       str(dst), device='cpu')
    torch.testing.assert_close(model.state_dict()['backbone.pre.0.conv.weight'],
                               ckpt['state_dict']['backbone.pre.0.conv.weight'])


def test_converter_cli_rejects_a_foreign_file(tmp_path):
    src = tmp_path / 'foreign.pth'
    torch.save({'state_dict': {}}, src)
    with pytest.raises(SystemExit, match='no "net" entry'):
        _convert(src, tmp_path / 'x.pth')
    assert not (tmp_path / 'x.pth').exists()
