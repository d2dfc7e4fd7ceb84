r"""Imports a script of the repository (``benchmarks/``, ``examples/``:
folders that are not packages) for its tests."""
import importlib.util
import os.path as osp

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
