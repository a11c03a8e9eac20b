"""Checkpoint loading under torch >= 2.6: mmengine checkpoints load, malicious and damaged
files are refused with a clear error."""
import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

import mmseg_zs3  # noqa: F401
from mmseg_zs3.utils.checkpoint import CheckpointLoadError, safe_torch_load


class _Smuggler:
    """Pickles to a call of os.system when unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'echo pwned > {self.marker}', )


def test_loader_is_installed():
    assert CheckpointLoader._get_checkpoint_loader('some/file.pth').__module__ == \
        'mmseg_zs3.utils.checkpoint'


def test_mmengine_style_checkpoint_loads(tmp_path):
    buf = HistoryBuffer()
    buf.update(1.5)
    ckpt = dict(
        meta=dict(epoch=0, iter=3, seed=np.int64(7), mean=np.float64(0.25)),
        state_dict={'w': torch.ones(2)},
        message_hub=dict(log_scalars={'train/loss': buf},
                         runtime_info={'arr': np.arange(3, dtype=np.int32)}))
    path = tmp_path / 'ok.pth'
    torch.save(ckpt, path)
    loaded = _load_checkpoint(str(path), map_location='cpu')
    assert loaded['meta']['iter'] == 3
    assert int(loaded['meta']['seed']) == 7
    assert isinstance(loaded['message_hub']['log_scalars']['train/loss'], HistoryBuffer)
    np.testing.assert_array_equal(loaded['message_hub']['runtime_info']['arr'], [0, 1, 2])


def test_smuggled_callable_is_refused(tmp_path):
    marker = tmp_path / 'pwned.txt'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': _Smuggler(marker)}, path)
    with pytest.raises(CheckpointLoadError, match=r'Refusing to load checkpoint .*evil\.pth'):
        _load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists(), 'the smuggled call ran'


def test_truncated_checkpoint_has_clear_error(tmp_path):
    path = tmp_path / 'cut.pth'
    torch.save({'state_dict': {'w': torch.zeros(1000)}}, path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(CheckpointLoadError, match='truncated or corrupt'):
        safe_torch_load(str(path))


def test_missing_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.pth'):
        safe_torch_load(str(tmp_path / 'nothere.pth'))


class _AttributeGrab:
    """Pickles to getattr(HistoryBuffer, '__init__'): allowed name, forbidden attribute."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    path = tmp_path / 'grab.pth'
    torch.save({'x': _AttributeGrab()}, path)
    with pytest.raises(CheckpointLoadError, match="attribute '__init__'"):
        safe_torch_load(str(path))
