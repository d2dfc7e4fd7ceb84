r"""Imports a script of the repository (``benchmarks/``, ``examples/``:
folders that are not packages) for its tests."""
import importlib
import importlib.util
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_script(*path: str):
    r"""The module of the script at :obj:`path` below the repository root
    (e.g. ``'benchmarks', 'edge_signal.py'``), executed anew."""
    file = osp.join(ROOT, *path)
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(file))[0], file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_module(name: str):
    r"""The module :obj:`name` of the repository's ``benchmarks`` package
    (e.g. ``'benchmarks.table1'``), imported with the repository root on
    :obj:`sys.path`."""
    sys.path.insert(0, ROOT)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)
