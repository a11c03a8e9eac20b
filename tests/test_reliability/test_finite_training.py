"""No NaN or inf in a run: a batch whose every pixel is ignored gives finite losses and no
gradient from the masked terms, and a NaN loss or gradient stops training with an error
that names the loss."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import mmseg_zs3  # noqa: F401
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_zs3.models.segmentors.zero_shot_encoder_decoder import check_finite_grads

from conftest import REPO

CONFIG = REPO / 'configs/sign/sign_r18-tiny_300it_toyshapes-64x64_4-1.py'


def _model_and_optim():
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(CONFIG))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.data_preprocessor.size = (32, 32)
    model_cfg.backbone.update(stem_channels=8, base_channels=4)
    model_cfg.neck.update(in_channels=[4, 8, 16, 32], code_dim=8)
    model_cfg.decode_head.update(in_channels=32, channels=8,
                                 contextual_cfg=dict(hidden_channels=8),
                                 generator_cfg=dict(hidden_channels=(16, ), dropouts=(0.1, )),
                                 discriminator_cfg=dict(hidden_channels=16, dropout=0.1))
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    return model, build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))


def _batch(label_value=None, n=2, h=29, w=37):
    """Odd-sized images; labels all ``label_value`` (e.g. 255) or random seen classes."""
    g = torch.Generator().manual_seed(1)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g))
        if label_value is None:
            label = torch.randint(0, 4, (h, w), generator=g)
        else:
            label = torch.full((h, w), label_value, dtype=torch.long)
        sample = SegDataSample(gt_sem_seg=PixelData(data=label[None]))
        sample.set_metainfo(dict(img_shape=(h, w), pad_shape=(h, w), ori_shape=(h, w)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _record_gradients(optim_wrapper):
    """Makes every wrapper remember the gradients it steps with: {wrapper: [grads]}."""
    seen = {}
    for name, wrapper in optim_wrapper.items():
        step = wrapper.step

        def recording_step(*args, _name=name, _wrapper=wrapper, _step=step, **kwargs):
            seen.setdefault(_name, []).append([
                p.grad.detach().clone() for group in _wrapper.optimizer.param_groups
                for p in group['params'] if p.grad is not None])
            return _step(*args, **kwargs)

        wrapper.step = recording_step
    return seen


@pytest.mark.parametrize('phase', ['seen', 'finetune'])
def test_all_ignore_batch_has_finite_losses_and_no_masked_gradient(phase):
    model, optim = _model_and_optim()
    # the KL term of the latent code is not a label term (it is not masked): weight 0 here
    model.phase_cfgs['seen']['segmentor_losses']['kl'] = 0.0
    model.set_phase(phase, 0, 10)  # iteration 0 of finetune is a real one
    grads = _record_gradients(optim)
    logs = model.train_step(_batch(255), optim)
    expected = {'seen': {'loss_disc', 'loss_seg', 'loss_gen'},
                'finetune': {'loss_disc', 'loss_gen'}}[phase]
    assert expected <= set(logs)
    for key, value in logs.items():
        assert torch.isfinite(value).all(), key
        if key != 'seg_kl':  # logged unweighted; every other term is a masked label term
            assert float(value) == 0.0, key
    stepped = {'seen': {'discriminator', 'segmentor', 'generator'},
               'finetune': {'discriminator', 'generator'}}[phase]
    assert set(grads) == stepped
    for name, steps in grads.items():
        for tensors in steps:
            assert all(torch.count_nonzero(g) == 0 for g in tensors), name

    # with the KL term back, the same batch trains only through it, finitely
    model.phase_cfgs['seen']['segmentor_losses']['kl'] = 1.0
    model.set_phase('seen', 0, 10)
    logs = model.train_step(_batch(255), optim)
    assert all(torch.isfinite(v).all() for v in logs.values())
    assert float(logs['seg_ce']) == 0.0


def test_nan_loss_stops_training_naming_the_loss():
    model, optim = _model_and_optim()
    model.set_phase('seen', 0, 10)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    with torch.no_grad():
        model.decode_head.discriminator.cls_head.weight[0, 0, 0, 0] = float('nan')
    with pytest.raises(FloatingPointError,
                       match=r"loss_disc is nan \(phase 'seen', iteration 1 of the phase\); "
                             r"non-finite terms: \{.*'ce_real': nan"):
        model.train_step(_batch(), optim)
    # nothing was written into the weights of the other networks
    for n, p in model.named_parameters():
        if 'discriminator' not in n:
            assert torch.equal(p, before[n]), n


def test_nan_gradient_stops_training_naming_the_loss():
    layer = torch.nn.Linear(2, 1)
    layer.weight.grad = torch.tensor([[0.0, float('inf')]])
    layer.bias.grad = torch.zeros(1)
    with pytest.raises(FloatingPointError,
                       match=r"the gradient of loss_gen is NaN or inf \(here\) in parameters "
                             r"\['weight'\]"):
        check_finite_grads('loss_gen', layer, 'here')
    layer.weight.grad = torch.zeros(1, 2)
    check_finite_grads('loss_gen', layer, 'here')  # finite: no error
