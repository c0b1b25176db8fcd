"""`import adnet_mmpose` alone registers every component, read back from the registries."""
import ast
import json
import subprocess
import sys

import pytest
from mmengine.config import Config

from tests.conftest import REPO, subprocess_env

# Every class the package registers, by registry. The mmdeploy backend model of
# adnet_mmpose/deploy/mmdeploy_plugin.py is not here: mmdeploy is optional and that module is
# imported by the deploy config (configs/deploy/), not by the package.
EXPECTED = {
    'model': {'ADNetHourglass', 'ADNetHead', 'ADLoss', 'WeightedAdaptiveWingLoss'},
    'KEYPOINT_CODECS': {'ADNetLabel'},
    'transform': {'ADNetAffine', 'AnnotationCenterScale', 'RandomSimilarity',
                  'RandomOcclusion', 'RandomBoxBlur', 'RandomGamma', 'RandomNoiseBlend',
                  'RandomGrayscale'},
    'metric': {'FaceAlignmentMetric'},
    'hook': {'ChannelsLastHook', 'WeightsOnlyCheckpointHook'},
    'optim_wrapper': {'BF16AutocastOptimWrapper'},
    'visualizer': {'FaceLandmarkVisualizer'},
}

# Walk every registry of mmengine and mmpose (and their children) after a plain import, and
# list the classes defined in adnet_mmpose, by registry name.
WALK = r'''
import json, sys
import adnet_mmpose
import mmengine.registry, mmpose.registry
from mmengine.registry import Registry
found, seen = {}, set()
def walk(reg):
    if id(reg) in seen:
        return
    seen.add(id(reg))
    for name, obj in reg.module_dict.items():
        if getattr(obj, '__module__', '').startswith('adnet_mmpose'):
            assert name == obj.__name__, (name, obj)
            found.setdefault(reg.name, set()).add(name)
    for child in reg.children.values():
        walk(child)
for module in (mmengine.registry, mmpose.registry):
    for value in vars(module).values():
        if isinstance(value, Registry):
            walk(value)
print(json.dumps({k: sorted(v) for k, v in found.items()}))
'''


def test_import_alone_registers_every_component():
    out = subprocess.run([sys.executable, '-c', WALK], capture_output=True, text=True,
                         cwd=REPO, env=subprocess_env(), timeout=300)
    assert out.returncode == 0, out.stderr
    found = {k: set(v) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}
    assert found == EXPECTED


def registered_in_source() -> set:
    """Names of the classes decorated with ``@<REGISTRY>.register_module()`` in the package."""
    names = set()
    for path in (REPO / 'adnet_mmpose').rglob('*.py'):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                    and d.func.attr == 'register_module' for d in node.decorator_list):
                names.add(node.name)
    return names


def test_the_expected_list_is_complete():
    """A newly registered class must be added to EXPECTED (and so be checked above)."""
    assert registered_in_source() == set().union(*EXPECTED.values())


@pytest.mark.parametrize('path', sorted(REPO.glob('configs/adnet/*.py')), ids=lambda p: p.name)
def test_configs_need_only_custom_imports(path):
    cfg = Config.fromfile(str(path))
    assert cfg.custom_imports == dict(imports=['adnet_mmpose'], allow_failed_imports=False)
    assert cfg.visualizer.type == 'FaceLandmarkVisualizer'
    assert cfg.model.head.type == 'ADNetHead' and cfg.val_evaluator.type == 'FaceAlignmentMetric'
