import json
import os.path as osp

import pytest
from script_loader import ROOT, load_script


def _module(monkeypatch):
    # The benchmark imports compiled_training and time_to_accuracy from its
    # own folder.
    monkeypatch.syspath_prepend(osp.join(ROOT, 'benchmarks'))
    return load_script('benchmarks', 'update_cost.py')


def test_one_row_per_round_thread_and_setting(tmp_path, capsys,
                                              monkeypatch):
    bench = _module(monkeypatch)
    assert bench.main(['--settings', 'batch_size=4',
                       'batch_size=8 hidden_channels=16', '',
                       '--threads', '1', '--updates', '2', '--warmup', '1',
                       '--rounds', '1', '--num-train', '16',
                       '--num-held-out', '4',
                       '--data-root', str(tmp_path)]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures['benchmark'] == 'update_cost'
    assert [(r['round'], r['threads'], r['setting'])
            for r in figures['rows']] == [
        (0, 1, 'batch_size=4'), (0, 1, 'batch_size=8 hidden_channels=16'),
        (0, 1, '')]
    assert all(r['ms_per_update'] > 0 for r in figures['rows'])


def test_a_setting_reaches_the_model(tmp_path, monkeypatch):
    bench = _module(monkeypatch)
    built = []
    real_train = bench.train

    def spy(splits, seed, updates, model_overrides=None, **overrides):
        built.append((model_overrides, overrides))
        return real_train(splits, seed, updates,
                          model_overrides=model_overrides, **overrides)

    monkeypatch.setattr(bench, 'train', spy)
    bench.main(['--settings', 'hidden_channels=16 lr=0.01', '--threads', '1',
                '--updates', '1', '--warmup', '1', '--rounds', '1',
                '--num-train', '16', '--num-held-out', '4',
                '--data-root', str(tmp_path)])
    (model, train), = built
    assert model == {'hidden_channels': 16}
    assert train['lr'] == 0.01 and train['prediction_steps'] == 10


def test_bad_settings_and_counts_are_refused(tmp_path, monkeypatch,
                                             capsys):
    bench = _module(monkeypatch)
    with pytest.raises(SystemExit, match='positive'):
        bench.main(['--updates', '0', '--data-root', str(tmp_path)])
    with pytest.raises(ValueError, match="unknown setting 'width'"):
        bench.main(['--settings', 'width=3', '--data-root', str(tmp_path)])
    with pytest.raises(SystemExit) as info:
        bench.main(['--settings', 'lr=0.002', '', 'lr=0.002'])
    assert info.value.code == 2
    assert "--settings names ['lr=0.002'] more than once" in \
        capsys.readouterr().err
