from setuptools import find_packages, setup


def reqs(name):
    with open(f'requirements/{name}.txt') as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith('#')]


version = {}
exec(open('adnet_mmpose/version.py').read(), version)

setup(
    name='adnet_mmpose',
    version=version['__version__'],
    description='ADNet face alignment (ICCV 2021) as an OpenMMLab MMPose plugin',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['adnet_mmpose', 'adnet_mmpose.*']),
    python_requires='>=3.10',
    # torch, torchvision and mmcv (with ops) are installed first and in order by
    # tools/setup_env.sh; they are listed here so pip checks them, not to install them.
    install_requires=['torch>=2.0', 'torchvision', 'mmcv==2.1.0', 'mmpose==1.3.2'] + reqs('runtime'),
    extras_require={'tests': reqs('tests'), 'deploy': reqs('deploy')},
    license='Apache-2.0',
)
