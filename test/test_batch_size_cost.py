import json
import os.path as osp

import pytest
from script_loader import ROOT, load_script


def _module(monkeypatch):
    # The benchmark imports compiled_training from its own folder.
    monkeypatch.syspath_prepend(osp.join(ROOT, 'benchmarks'))
    return load_script('benchmarks', 'batch_size_cost.py')


def test_one_row_per_round_thread_and_batch_size(tmp_path, capsys,
                                                 monkeypatch):
    bench = _module(monkeypatch)
    assert bench.main(['--batch-sizes', '4', '8', '--threads', '1',
                       '--updates', '2', '--warmup', '1', '--rounds', '1',
                       '--num-train', '16',
                       '--data-root', str(tmp_path)]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures['benchmark'] == 'batch_size_cost'
    assert [(r['round'], r['threads'], r['batch_size'])
            for r in figures['rows']] == [(0, 1, 4), (0, 1, 8)]
    assert all(r['ms_per_update'] > 0 for r in figures['rows'])


def test_counts_must_be_positive(tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match='positive'):
        _module(monkeypatch).main(['--updates', '0', '--data-root', str(tmp_path)])
