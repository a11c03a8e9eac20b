"""One optimizer per sub-network: the ``OptimWrapperDict`` of a zero-shot segmentor."""
from typing import Dict, Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class ZeroShotOptimWrapperConstructor:
    """Builds one optimizer wrapper for each sub-network a model names.

    The model (unwrapped from any distributed wrapper) must implement
    ``optim_param_modules() -> Dict[str, nn.Module]``, naming its sub-networks (for
    ``ZeroShotEncoderDecoder``: ``segmentor``, ``discriminator`` and ``generator``). The
    config gives one ordinary optimizer-wrapper config per name, each optionally with its own
    ``paramwise_cfg`` (e.g. larger LR multipliers for the new layers of the segmentation
    network); mmengine's ``DefaultOptimWrapperConstructor`` builds each of them on its
    sub-network, so parameter names inside a sub-network are those of the container returned by
    the model (e.g. ``decode_head.feature_head.convs.0.weight``)::

        optim_wrapper = dict(
            constructor='ZeroShotOptimWrapperConstructor',
            segmentor=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=2.5e-4, ...),
                           paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.)})),
            discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2.5e-4)),
            generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2.5e-4)))

    Args:
        optim_wrapper_cfg (dict): One optimizer-wrapper config per sub-network name.
        paramwise_cfg (dict, optional): Must be None: give ``paramwise_cfg`` inside each
            sub-network's config instead.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None):
        if paramwise_cfg is not None:
            raise ValueError('ZeroShotOptimWrapperConstructor takes paramwise_cfg inside each '
                             f'sub-network config, not at the top level (got {paramwise_cfg})')
        if not isinstance(optim_wrapper_cfg, dict) or not optim_wrapper_cfg:
            raise ValueError('optim_wrapper needs one config per sub-network, got '
                             f'{optim_wrapper_cfg!r}')
        bad = sorted(k for k, v in optim_wrapper_cfg.items() if not isinstance(v, dict))
        if bad:
            raise ValueError(f'optim_wrapper entries {bad} are not optimizer-wrapper configs: '
                             'with ZeroShotOptimWrapperConstructor every top-level key names a '
                             'sub-network (segmentor, discriminator, generator)')
        self.optim_wrapper_cfg = {k: dict(v) for k, v in optim_wrapper_cfg.items()}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        if not hasattr(model, 'optim_param_modules'):
            raise TypeError(f'{type(model).__name__} does not name its sub-networks '
                            '(optim_param_modules); use ZeroShotEncoderDecoder')
        modules: Dict[str, nn.Module] = model.optim_param_modules()
        missing = sorted(set(modules) - set(self.optim_wrapper_cfg))
        unknown = sorted(set(self.optim_wrapper_cfg) - set(modules))
        if missing or unknown:
            raise ValueError(f'optim_wrapper must configure exactly the sub-networks '
                             f'{sorted(modules)}; missing {missing}, unknown {unknown}')
        wrappers = {}
        for name, module in modules.items():
            cfg = dict(self.optim_wrapper_cfg[name])
            paramwise = cfg.pop('paramwise_cfg', None)
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise)(module)
        return OptimWrapperDict(**wrappers)
