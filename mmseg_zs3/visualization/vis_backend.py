"""A TensorBoard visualizer backend that is used only when TensorBoard is installed."""
import logging

from mmengine.logging import print_log
from mmengine.visualization import TensorboardVisBackend
from mmengine.visualization.vis_backend import force_init_env
from mmseg.registry import VISBACKENDS


@VISBACKENDS.register_module()
class OptionalTensorboardVisBackend(TensorboardVisBackend):
    """mmengine's ``TensorboardVisBackend`` when ``torch.utils.tensorboard`` can be
    imported (the ``tensorboard`` package is installed); otherwise a backend that writes
    nothing, so a config can list it without making TensorBoard a dependency.

    It receives every scalar the ``LoggerHook`` logs: the losses of each network
    (``loss_seg``, ``loss_disc``, ``loss_gen`` and their parts), ``phase`` (set by
    ``ZeroShotPhaseHook``), the self-training statistics of ``SelfTrainingHook``
    (``pseudo_fraction``, ``pseudo_mean_weight``, ``pseudo_count_<class>``, ``ast_tau``),
    learning rates and evaluation metrics.

    Args:
        save_dir (str): Where the event files go (filled in by the visualizer).
    """

    def _init_env(self) -> None:
        try:
            super()._init_env()
        except ImportError as err:
            self._tensorboard = None
            print_log(f'OptionalTensorboardVisBackend: TensorBoard is not installed, its '
                      f'logging is off ({err})', logger='current', level=logging.INFO)

    @property
    def active(self) -> bool:
        """Whether event files are written (TensorBoard could be imported)."""
        if not getattr(self, '_env_initialized', False):
            self._init_env()
            self._env_initialized = True
        return self._tensorboard is not None

    @force_init_env
    def add_config(self, config, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_config(config, **kwargs)

    @force_init_env
    def add_image(self, name, image, step=0, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_image(name, image, step, **kwargs)

    @force_init_env
    def add_scalar(self, name, value, step=0, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_scalar(name, value, step, **kwargs)

    @force_init_env
    def add_scalars(self, scalar_dict, step=0, file_path=None, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_scalars(scalar_dict, step, file_path, **kwargs)

    def close(self) -> None:
        if getattr(self, '_tensorboard', None) is not None:
            super().close()
