import json
import math

import pytest

from torch_geometric_fnri.training import RunDirectory


def test_run_directory(tmp_path):
    run = RunDirectory(str(tmp_path / 'run'))
    assert run.last_checkpoint.endswith('checkpoints/last.pt')
    for epoch in range(3):
        run.log_epoch({'epoch': epoch, 'loss': 1.0 / (epoch + 1)})
    rows = run.read_log()
    assert [row['epoch'] for row in rows] == ['0', '1', '2']
    run.truncate_log(2)
    assert [row['epoch'] for row in run.read_log()] == ['0', '1']
    run.log_epoch({'epoch': 2, 'loss': 0.1, 'extra': 5})  # Column ignored.
    assert list(run.read_log()[-1].keys()) == ['epoch', 'loss']

    path = run.write_json('metrics.json', {'a': 1.5, 'b': math.nan})
    with open(path) as f:
        assert json.load(f) == {'a': 1.5, 'b': 'nan'}
    with pytest.raises(ValueError, match="'epoch'"):
        run.log_epoch({'loss': 1.0})
    with pytest.raises(TypeError, match="'path'"):
        RunDirectory(3)
