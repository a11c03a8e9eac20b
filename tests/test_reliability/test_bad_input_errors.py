"""Bad input stops a zero-shot run before its first training iteration, with an error that
names the offending value: class-embedding files (missing class, duplicate or NaN row, wrong
dimension), splits, phase schedules, temperatures, empty datasets and out-of-range labels.

Each case builds a real mmengine Runner from the shipped SIGN+AST CPU config (as
``tools/train.py`` does) and calls ``train()``; one case goes through ``tools/train.py``.
"""
import json
import re

import numpy as np
import pytest
from mmengine.runner import Runner
from PIL import Image

from conftest import REPO, run_tool
from reliability_helpers import tiny_ast_config

CLASSES = ['background', 'disc', 'box', 'bar', 'triangle']


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    from mmseg_zs3.datasets.toy_shapes import generate_toy_shapes
    root = tmp_path_factory.mktemp('bad_input_data')
    generate_toy_shapes(str(root), num_train=4, num_val=2, size=32, seed=0)
    return root


def write_embeddings(folder, name, matrix, classes, dim=None):
    """A ``.npy`` matrix with its manifest (``dim`` written when given)."""
    np.save(folder / f'{name}.npy', np.asarray(matrix, dtype=np.float32))
    manifest = dict(classes=list(classes))
    if dim is not None:
        manifest['dim'] = dim
    (folder / f'{name}.json').write_text(json.dumps(manifest))
    return str(folder / f'{name}.npy')


def good_matrix(rows=5, dim=6):
    return np.eye(rows, dim, dtype=np.float32) + 0.1


def train_until_error(cfg, tmp_path, match):
    """Builds the runner and trains; the error must come before the first iteration (the
    config saves a checkpoint after every iteration: there must be none)."""
    cfg.work_dir = str(tmp_path / 'work')
    cfg.default_hooks.checkpoint.interval = 1
    with pytest.raises((ValueError, TypeError, KeyError), match=match) as info:
        Runner.from_cfg(cfg).train()
    assert not list((tmp_path / 'work').glob('*.pth')), 'the error came after training began'
    return str(info.value)


def _embeddings(edit):
    def apply(cfg, tmp_path):
        cfg.model.decode_head.class_embeddings = edit(tmp_path)
    return apply


CASES = {
    'embedding_file_missing_a_class': (
        _embeddings(lambda d: write_embeddings(d, 'e', good_matrix(4), CLASSES[:4])),
        r"class 'triangle' is not in '.*e\.npy'"),
    'embedding_file_with_a_duplicate_row': (
        _embeddings(lambda d: write_embeddings(d, 'e', good_matrix(6),
                                               CLASSES + ['box'])),
        r"lists classes \['box'\] more than once"),
    'embedding_file_with_a_nan_row': (
        _embeddings(lambda d: write_embeddings(
            d, 'e', np.where(np.arange(5)[:, None] == 2, np.nan, good_matrix()), CLASSES)),
        r"class 'box' has NaN values in '.*e\.npy'"),
    'embedding_file_of_the_wrong_dimension': (
        _embeddings(lambda d: dict(path=write_embeddings(d, 'e', good_matrix(), CLASSES),
                                   expected_dim=8)),
        r'have dim 6, expected 8'),
    'embedding_manifest_of_another_dimension': (
        _embeddings(lambda d: write_embeddings(d, 'e', good_matrix(), CLASSES, dim=300)),
        r"manifest '.*e\.json' says dim 300 but '.*e\.npy' has 6 columns"),
    'split_unseen_class_not_in_the_split_classes': (
        lambda cfg, d: cfg.model.decode_head.update(split=dict(
            name='bad', classes=CLASSES, unseen=['star'])),
        r"star"),
    'split_unseen_class_not_in_the_dataset': (
        lambda cfg, d: cfg.train_dataloader.dataset.metainfo.update(
            classes=CLASSES[:4] + ['star']),
        r"split 'toyshapes-4-1' has unseen class\(es\) \['triangle'\] that the training "
        r"dataset \(BaseSegDataset, data_root='.*'.*does not have"),
    'dataset_classes_in_another_order': (
        lambda cfg, d: cfg.train_dataloader.dataset.metainfo.update(
            classes=['background', 'box', 'disc', 'bar', 'triangle']),
        r'first difference at label id 1'),
    'phase_schedule_with_an_unknown_phase': (
        lambda cfg, d: cfg.custom_hooks[0].update(
            phases=[dict(name='seen', iters=3), dict(name='fine_tune', iters=10)]),
        r"unknown phase\(s\) \['fine_tune'\]"),
    'phase_schedule_with_a_zero_length': (
        lambda cfg, d: cfg.custom_hooks[0].update(
            phases=[dict(name='seen', iters=13), dict(name='finetune', iters=0)]),
        r"phase 'finetune' must last a positive whole number of iterations, got 0"),
    'phase_schedule_with_a_negative_length': (
        lambda cfg, d: cfg.custom_hooks[0].update(
            phases=[dict(name='seen', iters=-3), dict(name='finetune', iters=16)]),
        r"phase 'seen' must last a positive whole number of iterations, got -3"),
    'zero_temperature': (
        lambda cfg, d: cfg.custom_hooks[1].update(tau=0.0),
        r'the AST temperature must be > 0, got 0.0'),
    'negative_temperature_schedule': (
        lambda cfg, d: cfg.custom_hooks[1].update(tau=dict(type='linear', start=1.0,
                                                            end=-0.1)),
        r'the AST temperature must be > 0, got start=1.0, end=-0.1'),
}


@pytest.mark.parametrize('case', list(CASES))
def test_bad_config_input_is_refused_before_training(case, data_root, tmp_path):
    edit, match = CASES[case]
    cfg = tiny_ast_config(data_root)
    assert [h['type'] for h in cfg.custom_hooks][:2] == ['ZeroShotPhaseHook',
                                                          'SelfTrainingHook']
    edit(cfg, tmp_path)
    train_until_error(cfg, tmp_path, match)


@pytest.mark.parametrize('serialize_data', [True, False])
def test_dataset_with_no_image(data_root, tmp_path, serialize_data):
    """A wrong data_root / suffix: mmengine's own error would be numpy's "need at least one
    array to concatenate" (serialised data list) or an endless wait for a batch (not
    serialised)."""
    (tmp_path / 'empty/img_dir/train').mkdir(parents=True)
    (tmp_path / 'empty/ann_dir/train').mkdir(parents=True)
    cfg = tiny_ast_config(data_root)
    cfg.train_dataloader.dataset.update(data_root=str(tmp_path / 'empty'),
                                        serialize_data=serialize_data)
    role = '' if serialize_data else 'training '
    message = train_until_error(cfg, tmp_path, rf'the {role}dataset \(BaseSegDataset, '
                                               r'data_root=.* has no image')
    assert str(tmp_path / 'empty') in message and 'img_dir/train' in message


def test_validation_dataset_with_no_image(data_root, tmp_path):
    (tmp_path / 'empty/img_dir/val').mkdir(parents=True)
    (tmp_path / 'empty/ann_dir/val').mkdir(parents=True)
    cfg = tiny_ast_config(data_root)
    cfg.val_dataloader.dataset.update(data_root=str(tmp_path / 'empty'), serialize_data=False)
    train_until_error(cfg, tmp_path, r'the validation dataset \(BaseSegDataset, data_root=.*'
                                     r'empty.*has no image')


def test_label_outside_the_class_range_names_the_file(data_root, tmp_path):
    import shutil
    root = tmp_path / 'data'
    shutil.copytree(data_root, root)
    bad = sorted((root / 'ann_dir/train').glob('*.png'))[2]
    label = np.array(Image.open(bad))
    label[0, :3] = 7
    Image.fromarray(label).save(bad)
    cfg = tiny_ast_config(root)
    cfg.train_dataloader.batch_size = 4  # the first batch reads every training label
    message = train_until_error(
        cfg, tmp_path, r"label value\(s\) \[7\] in .*\.png are outside the 5 classes of "
                       r"split 'toyshapes-4-1' \(ids 0..4, ignore 255\)")
    assert str(bad) in message


def test_tools_train_reports_the_bad_value(data_root, tmp_path):
    cfg = tmp_path / 'cfg.py'
    tiny_ast_config(data_root).dump(str(cfg))
    proc = run_tool([REPO / 'tools/train.py', cfg, '--work-dir', tmp_path / 'work',
                     '--cfg-options', 'custom_hooks.1.tau=-0.5'])
    assert proc.returncode != 0
    assert re.search(r'ValueError: the AST temperature must be > 0, got -0.5', proc.stderr)
    assert 'Iter(train)' not in proc.stdout + proc.stderr
