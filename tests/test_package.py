"""Importing the package: registration, the mmcv-ops check, the compatibility fixes."""
import inspect

import pytest

from conftest import run_tool


def _our_registrations():
    from mmseg import registry
    found = {}
    for name in dir(registry):
        reg = getattr(registry, name)
        if not hasattr(reg, 'module_dict'):
            continue
        for key, obj in reg.module_dict.items():
            if (inspect.getmodule(obj) or obj).__name__.startswith('mmseg_zs3'):
                found.setdefault(name, []).append(key)
    return found


def test_import_registers_each_name_once():
    import importlib

    import mmseg_zs3
    before = _our_registrations()
    importlib.import_module('mmseg_zs3')  # a second import is a no-op
    assert _our_registrations() == before
    for registry_name, keys in before.items():
        assert len(keys) == len(set(keys)), f'{registry_name} has duplicates: {keys}'
    assert mmseg_zs3.__version__


def test_registrations_do_not_shadow_mmseg():
    """None of our names replaces a component mmseg already has."""
    import mmseg_zs3  # noqa: F401
    from mmseg import registry
    for registry_name, keys in _our_registrations().items():
        reg = getattr(registry, registry_name)
        for key in keys:
            assert reg.get(key).__module__.startswith('mmseg_zs3'), (registry_name, key)


def test_config_custom_imports_and_tool_import_together(tmp_path):
    """A config with custom_imports read by a process that already imported us."""
    cfg = tmp_path / 'c.py'
    cfg.write_text("custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)\n")
    proc = run_tool(['-c', f"import mmseg_zs3; from mmengine import Config; "
                     f"Config.fromfile(r'{cfg}'); print('ok')"])
    assert proc.returncode == 0 and 'ok' in proc.stdout


def test_missing_mmcv_ops_gives_fix():
    """With an mmcv that lacks compiled ops, the ImportError says how to fix it."""
    code = (
        "import builtins\n"
        "real = builtins.__import__\n"
        "def fake(name, globals=None, locals=None, fromlist=(), level=0):\n"
        "    if name == 'mmcv.ops' or (name == 'mmcv' and fromlist and 'ops' in fromlist):\n"
        "        raise ModuleNotFoundError(\"No module named 'mmcv._ext'\")\n"
        "    return real(name, globals, locals, fromlist, level)\n"
        "builtins.__import__ = fake\n"
        "import mmseg_zs3\n")
    proc = run_tool(['-c', code])
    assert proc.returncode != 0
    assert 'ImportError' in proc.stderr
    assert 'compiled ops' in proc.stderr and 'MMCV_WITH_OPS=1' in proc.stderr


def test_cpu_dist_fixes_active_without_cuda():
    import torch
    if torch.cuda.is_available():
        pytest.skip('the fixes are only installed without CUDA')
    import mmengine.dist.utils as dist_utils
    from mmengine.model.wrappers import MMDistributedDataParallel

    import mmseg_zs3  # noqa: F401
    assert dist_utils._init_dist_pytorch.__module__ == 'mmseg_zs3.utils.dist_compat'
    assert MMDistributedDataParallel.__init__.__wrapped__ is not None
