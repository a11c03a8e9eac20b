"""mmseg_zs3: generalized zero-shot semantic segmentation for MMSegmentation 1.x.

Importing the package registers its components in mmseg's registries, installs the
checkpoint-loading compatibility for torch >= 2.6 and the CPU-distributed fixes for
mmengine (see :mod:`mmseg_zs3.utils`). Enable it in a config with::

    custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
"""
from .version import __version__


def _check_mmcv_ops() -> None:
    """Raises an ImportError with a fix when mmcv lacks its compiled ops."""
    try:
        import mmcv.ops  # noqa: F401
    except ImportError as err:  # also catches ModuleNotFoundError
        raise ImportError(
            'mmseg_zs3 needs mmcv built WITH its compiled ops (mmseg imports mmcv.ops), '
            f'but `import mmcv.ops` failed: {err}. Fix: run `make setup` in the mmseg_zs3 '
            'repository (it builds and caches the wheel), or build it yourself with '
            '`pip install ninja wheel "setuptools<82" && MMCV_WITH_OPS=1 pip wheel '
            '--no-build-isolation --no-deps mmcv==2.1.0 && pip install mmcv-2.1.0-*.whl`. '
            'mmcv-lite is not enough.') from err


_check_mmcv_ops()

from .utils import checkpoint as _checkpoint  # noqa: E402
from .utils import dist_compat as _dist_compat  # noqa: E402

_checkpoint.register_safe_globals()
_checkpoint.install_checkpoint_loader()
_dist_compat.install_cpu_dist_fixes()

from . import datasets, engine, evaluation, models, utils, visualization  # noqa: E402,F401

__all__ = ['__version__']
