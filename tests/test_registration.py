"""`import adnet_mmpose` registers every component in mmpose's registries."""
import subprocess
import sys

from mmengine.config import Config
from mmpose.registry import DATASETS, KEYPOINT_CODECS, METRICS, MODELS, TRANSFORMS

import adnet_mmpose
from tests.conftest import REPO

EXPECTED = {
    MODELS: ['ADNetHourglass', 'ADNetHead', 'ADLoss', 'WeightedAdaptiveWingLoss'],
    KEYPOINT_CODECS: ['ADNetLabel'],
    TRANSFORMS: ['RandomSimilarity', 'RandomOcclusion', 'RandomBoxBlur', 'RandomGamma',
                 'RandomNoiseBlend', 'RandomGrayscale'],
    METRICS: ['FaceAlignmentMetric'],
}


def test_every_component_is_registered():
    for registry, names in EXPECTED.items():
        for name in names:
            cls = registry.get(name)
            assert cls is not None and cls.__module__.startswith('adnet_mmpose.'), name
    assert DATASETS.get('WFLWDataset') is not None  # mmpose's own datasets are reused
    assert adnet_mmpose.__version__


def test_fresh_interpreter_prints_the_head_class():
    out = subprocess.run(
        [sys.executable, '-c', 'import adnet_mmpose; from mmpose.registry import MODELS; '
         "print(MODELS.get('ADNetHead'))"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert "<class 'adnet_mmpose.models.heads.adnet_head.ADNetHead'>" in out.stdout


def test_configs_need_only_custom_imports():
    for name in ['wflw', '300w', 'cofw']:
        cfg = Config.fromfile(str(REPO / f'configs/adnet/td-adnet_hg4x256_1xb32-500e_{name}-256x256.py'))
        assert cfg.custom_imports == dict(
            imports=['adnet_mmpose', 'adnet_mmpose.apis.face_visualizer'],
            allow_failed_imports=False)
        assert cfg.data_mode == 'topdown' and cfg.dataset_type.endswith('Dataset')
        assert cfg.val_evaluator.type == 'FaceAlignmentMetric' and cfg.val_evaluator.dataset == name
