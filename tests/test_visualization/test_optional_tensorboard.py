"""OptionalTensorboardVisBackend (TensorBoard when installed, silent otherwise) and the
training scalars (losses per network, phase, AST statistics) reaching the visualizer."""
import json
import sys
import types

from mmengine.config import Config

from conftest import REPO, run_tool
from mmseg_zs3.visualization import OptionalTensorboardVisBackend

AST_CONFIG = REPO / 'configs/sign/sign-ast_r18-tiny_600it_toyshapes-64x64_4-1.py'


def test_without_tensorboard_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'torch.utils.tensorboard', None)  # import fails
    backend = OptionalTensorboardVisBackend(str(tmp_path / 'tb'))
    backend.add_scalars({'loss': 1.0}, step=1)
    backend.add_scalar('phase', 2.0, step=1)
    backend.add_config(Config(dict(a=1)))
    backend.close()
    assert not backend.active
    assert not list((tmp_path / 'tb').rglob('*events*'))


def test_with_tensorboard_the_writer_gets_every_scalar(tmp_path, monkeypatch):
    calls = []

    class FakeWriter:
        def __init__(self, log_dir):
            calls.append(('init', log_dir))

        def add_scalar(self, name, value, step):
            calls.append((name, value, step))

        def close(self):
            calls.append(('close', ))

    monkeypatch.setitem(sys.modules, 'torch.utils.tensorboard',
                        types.SimpleNamespace(SummaryWriter=FakeWriter))
    backend = OptionalTensorboardVisBackend(str(tmp_path / 'tb'))
    backend.add_scalars({'loss_seg': 0.5, 'phase': 2.0, 'ast_tau': 0.3}, step=7)
    backend.close()
    assert backend.active
    assert calls[0] == ('init', str(tmp_path / 'tb'))
    assert ('loss_seg', 0.5, 7) in calls and ('phase', 2.0, 7) in calls
    assert ('ast_tau', 0.3, 7) in calls and calls[-1] == ('close', )


def test_zero_shot_configs_use_it_and_ast_statistics_are_logged(toy_shapes_root, tmp_path):
    backends = [b['type'] for b in Config.fromfile(str(AST_CONFIG)).visualizer.vis_backends]
    assert backends == ['LocalVisBackend', 'OptionalTensorboardVisBackend']
    cfg = tmp_path / 'ast_scalars.py'
    cfg.write_text(f"""_base_ = [r'{AST_CONFIG}']
data_root = r'{toy_shapes_root}'
train_dataloader = dict(batch_size=2, dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=8, val_interval=9)
custom_hooks = [
    dict(type='ZeroShotPhaseHook', phases=[dict(name='seen', iters=4),
                                           dict(name='self_training', iters=4)]),
    dict(type='SelfTrainingHook', teacher='frozen', tau=dict(type='linear', start=1.0, end=0.1))
]
default_hooks = dict(checkpoint=dict(interval=8), logger=dict(interval=2))
""")
    work = tmp_path / 'work'
    proc = run_tool([REPO / 'tools/train.py', cfg, '--work-dir', work])
    assert proc.returncode == 0
    (scalars, ) = work.glob('*/vis_data/scalars.json')
    rows = [json.loads(line) for line in scalars.read_text().splitlines()]
    rows = [r for r in rows if 'loss_disc' in r]  # the training rows (not the metrics)
    assert [r['step'] for r in rows] == [2, 4, 6, 8]
    assert all({'loss_seg', 'loss_disc', 'loss_gen', 'phase'} <= set(r) for r in rows)
    assert [r['phase'] for r in rows] == [1.0, 1.0, 2.0, 2.0]
    last = rows[-1]
    assert {'pseudo_fraction', 'pseudo_mean_weight', 'ast_tau'} <= set(last)
    assert any(k.startswith('pseudo_count_') for k in last)
    assert 'ast_tau' not in rows[0]
