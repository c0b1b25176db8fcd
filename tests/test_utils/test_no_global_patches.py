"""Importing adnet_mmpose (directly, through the configs' ``custom_imports``, the inferencer
support and the mmdeploy plugin) and using it changes nothing of mmpose, mmengine or torch:
mmpose's ``Pose2DInferencer`` methods, ``torch.onnx.export``, ``torch.load``, mmengine's
checkpoint loaders and torch's safe globals are the very same objects afterwards, also after
running adnet_mmpose's inferencer and an mmdeploy export."""
import subprocess
import sys

from tests.conftest import REPO, subprocess_env
from tests.small_model import SMALL_CONFIG

SCRIPT = r'''
import sys, torch, torch.onnx
from mmengine.runner.checkpoint import CheckpointLoader
from mmpose.apis.inferencers import MMPoseInferencer, Pose2DInferencer
from mmpose.apis.inferencers.base_mmpose_inferencer import BaseMMPoseInferencer

def snapshot():
    out = {f'{cls.__name__}.{k}': v for cls in (Pose2DInferencer, BaseMMPoseInferencer,
                                                 MMPoseInferencer) for k, v in vars(cls).items()}
    out.update({'torch.onnx.export': torch.onnx.export, 'torch.load': torch.load,
                'loaders': dict(CheckpointLoader._schemes),
                'safe_globals': set(torch.serialization.get_safe_globals())})
    return out

before = snapshot()
import adnet_mmpose, adnet_mmpose.apis.inferencer, adnet_mmpose.deploy.mmdeploy_plugin
from mmengine.config import Config
from mmdeploy.utils import load_config
Config.fromfile(sys.argv[1])                      # custom_imports of an ADNet config
load_config(sys.argv[2])                          # custom_imports of the deploy config
after_import = snapshot()
import numpy as np                                  # our inferencer and an mmdeploy export
from adnet_mmpose.apis.inferencer import MMPoseInferencer as ADNetInferencer
from adnet_mmpose.deploy.export import export_onnx
from tests.small_model import small_checkpoint
inferencer = ADNetInferencer(pose2d=sys.argv[1], pose2d_weights=small_checkpoint(),
                             device='cpu', det_model='whole_image')
next(inferencer(np.zeros((64, 64, 3), np.uint8), bboxes=[[[0, 0, 60, 60]]]))
export_onnx(sys.argv[1], small_checkpoint(), sys.argv[3], route='mmdeploy')
after_use = snapshot()
for name, state in (('import', after_import), ('use', after_use)):
    changed = [k for k in before if state.get(k) is not before[k] and state.get(k) != before[k]]
    changed += [k for k in state if k not in before]
    assert not changed, (name, changed)
print('unchanged:', len(before), 'objects')
'''


def test_imports_and_export_patch_nothing(tmp_path):
    deploy = REPO / 'configs/deploy/pose-detection_adnet_onnxruntime_dynamic.py'
    out = subprocess.run([sys.executable, '-c', SCRIPT, SMALL_CONFIG, str(deploy),
                          str(tmp_path / 'a.onnx')], cwd=REPO, capture_output=True, text=True,
                         timeout=300, env=subprocess_env())
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'unchanged:' in out.stdout
    assert (tmp_path / 'a.onnx').stat().st_size > 100_000
