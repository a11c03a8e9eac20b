"""Loading mmengine checkpoints safely under torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7 calls
``torch.load`` without the argument, and its own checkpoints hold a few non-tensor objects
(the message hub's ``HistoryBuffer``, numpy arrays and scalars), so ``--resume`` and
``load_from`` fail. This module allows exactly those types with
``torch.serialization.add_safe_globals`` and replaces mmengine's local-file checkpoint
loader with one that always loads with ``weights_only=True`` and turns the two ways a load
can fail (a forbidden global, a damaged file) into errors that name the file and the cause.
Nothing here switches the safety off: a checkpoint that pickles an arbitrary callable (for
example ``os.system``) is refused.
"""
import os.path as osp
import pickle
import zipfile
from typing import Any, List, Optional

import numpy as np
import torch


class CheckpointLoadError(RuntimeError):
    """Raised when a checkpoint file cannot be loaded safely."""


def _numpy_safe_globals() -> List[Any]:
    """Returns the numpy objects that pickled arrays, dtypes and scalars reference.

    numpy 1.x pickles them under ``numpy.core.multiarray``, numpy 2.x under
    ``numpy._core.multiarray``; both spellings are allowed so that checkpoints written with
    either numpy load with either.
    """
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    safe: List[Any] = [np.ndarray, np.dtype]
    for module_name in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        safe.append((multiarray._reconstruct, f'{module_name}._reconstruct'))
        safe.append((multiarray.scalar, f'{module_name}.scalar'))
    # numpy >= 1.25 pickles a dtype through its class (numpy.dtypes.Float64DType, ...).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe.extend(
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType') and isinstance(getattr(dtypes, name), type))
    return safe


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """A ``getattr`` restricted to the statistics methods of a ``HistoryBuffer``.

    A pickled ``HistoryBuffer`` refers to its statistics methods (``HistoryBuffer.min``,
    ``HistoryBuffer.mean``, ...) through ``builtins.getattr``. Allowing the real ``getattr`` would let a checkpoint
    reach any attribute of any object it builds; this stand-in, registered under the name
    ``builtins.getattr`` for the weights-only unpickler only, allows exactly those lookups.
    """
    from mmengine.logging import HistoryBuffer
    allowed = {'min', 'max', 'current', 'mean'} | set(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'Unsupported attribute lookup: the checkpoint asks for attribute {name!r} of '
        f'{obj!r}; only the statistics methods of mmengine.logging.HistoryBuffer are '
        'allowed')


def mmengine_safe_globals() -> List[Any]:
    """Returns the non-tensor types that mmengine's own checkpoints contain.

    Returns:
        list: Objects (or ``(object, qualified name)`` pairs) for
        ``torch.serialization.add_safe_globals``.
    """
    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr')
            ] + _numpy_safe_globals()


def register_safe_globals(extra: Optional[List[Any]] = None) -> bool:
    """Allows mmengine's checkpoint types for ``torch.load(weights_only=True)``.

    Args:
        extra (list, optional): Further types to allow, for checkpoints of a project that
            stores its own objects. Defaults to None.

    Returns:
        bool: False when this torch has no ``add_safe_globals`` (torch < 2.4), which loads
        with ``weights_only=False`` by default and needs nothing.
    """
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:
        return False
    add_safe_globals(mmengine_safe_globals() + list(extra or []))
    return True


def _unpickling_reason(err: Exception) -> str:
    """Picks the lines of torch's long weights-only error that name the refused object."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    keys = ('GLOBAL', 'Unsupported', 'unrecognized', 'attribute')
    picked = [line for line in lines if any(k in line for k in keys)]
    if not picked:  # drop torch's generic first and last paragraphs
        picked = [line for line in lines[1:] if not line.startswith('Check the doc')]
    return ' '.join(picked).split(' Please use')[0].rstrip('.') if picked else repr(err)


def _is_garbage(filename: str, err: Exception) -> bool:
    """Whether an unpickling error comes from a damaged file rather than a refused global.

    Any error that names a global or an attribute is treated as a refusal (the safe side).
    Otherwise the file is damaged when the weights-only unpickler met an unknown opcode, or
    when it is neither a zip archive (torch's format) nor a pickle (legacy format, which
    starts with the PROTO opcode 0x80).
    """
    text = str(err)
    if any(k in text for k in ('GLOBAL', 'global', 'attribute')):
        return False
    if 'Unsupported operand' in text:
        return True
    with open(filename, 'rb') as f:
        head = f.read(1)
    return not zipfile.is_zipfile(filename) and head != b'\x80'


def safe_torch_load(filename: str, map_location: Any = None) -> Any:
    """Loads a local checkpoint with ``weights_only=True`` and clear errors.

    Args:
        filename (str): Path of the checkpoint file.
        map_location (Any): As for :func:`torch.load`.

    Returns:
        Any: The loaded checkpoint (usually a dict).

    Raises:
        FileNotFoundError: When the file does not exist.
        CheckpointLoadError: When the file holds a global outside the allow-list (for
            example a pickled ``os.system`` call) or is truncated or corrupt.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if _is_garbage(filename, err):
            raise CheckpointLoadError(
                f'Checkpoint {filename} is truncated or corrupt and cannot be read (not a '
                f'torch checkpoint: {_unpickling_reason(err)}). Re-create or re-download it.'
            ) from err
        raise CheckpointLoadError(
            f'Refusing to load checkpoint {filename}: it contains an object outside the '
            f'allow-list of checkpoint types (torch weights_only=True): '
            f'{_unpickling_reason(err)}. '
            'Load only checkpoints you trust; a trusted checkpoint that needs another type '
            'can be allowed with mmseg_zs3.utils.checkpoint.register_safe_globals(extra=[...]).'
        ) from err
    except PermissionError:
        raise
    except (EOFError, RuntimeError, ValueError, KeyError, IndexError, OSError) as err:
        raise CheckpointLoadError(
            f'Checkpoint {filename} is truncated or corrupt and cannot be read '
            f'({type(err).__name__}: {err}). Re-create or re-download it.') from err


def _load_from_local(filename: str, map_location: Any = None) -> Any:
    """mmengine ``CheckpointLoader`` scheme for local paths (replaces mmengine's)."""
    return safe_torch_load(filename, map_location=map_location)


def install_checkpoint_loader() -> bool:
    """Makes mmengine load local checkpoints with :func:`safe_torch_load`.

    Only done where torch can allow-list types (torch >= 2.4); older torch keeps mmengine's
    own loader.

    Returns:
        bool: Whether the loader was installed.
    """
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return False
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local, force=True)
    return True
