"""adnet_mmpose: ``pip install .`` (a wheel with the configs as package data) or
``pip install --no-deps -e .`` beside an existing OpenMMLab stack (see the README).

The configs the code needs at run time (deploy config, dataset metainfo, model configs) are
copied into the wheel under ``adnet_mmpose/.mim/configs``, mmpose's own layout; an editable
install finds them in the checkout (:mod:`adnet_mmpose.utils.package_files`).
"""
import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CONFIG_PATTERNS = ('*.py', '*.yml')


def reqs(name):
    with open(HERE / 'requirements' / f'{name}.txt') as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith('#')]


class BuildWithConfigs(build_py):
    """``build_py`` that also copies ``configs/`` to ``adnet_mmpose/.mim/configs`` in the build
    directory (never in the source tree)."""

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        target = Path(self.build_lib) / 'adnet_mmpose' / '.mim' / 'configs'
        for pattern in CONFIG_PATTERNS:
            for src in (HERE / 'configs').rglob(pattern):
                dst = target / src.relative_to(HERE / 'configs')
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)


version = {}
exec((HERE / 'adnet_mmpose' / 'version.py').read_text(), version)

setup(
    name='adnet_mmpose',
    version=version['__version__'],
    description='ADNet face alignment (ICCV 2021) as an OpenMMLab MMPose plugin',
    long_description=(HERE / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['adnet_mmpose', 'adnet_mmpose.*']),
    package_data={'adnet_mmpose': ['checkpoints/*.pth', 'checkpoints/*.onnx']},
    cmdclass={'build_py': BuildWithConfigs},
    python_requires='>=3.10',
    # The supported ranges (adnet_mmpose.utils.env_check.SUPPORTED); mmcv must be the full
    # build with compiled ops. requirements/constraints.txt pins the tested set for
    # 'make install'.
    install_requires=['torch>=2.6', 'torchvision', 'mmcv>=2.0.0,<2.3.0',
                      'mmpose>=1.3.0,<1.4.0'] + reqs('runtime'),
    extras_require={'tests': reqs('tests'), 'deploy': reqs('deploy')},
    license='Apache-2.0',
)
