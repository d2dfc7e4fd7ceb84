import json
import math
import sys

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


class _RecordingWriter:
    """Stands in for ``torch.utils.tensorboard.SummaryWriter``."""
    instances = []

    def __init__(self, log_dir):
        self.log_dir, self.scalars = log_dir, []
        self.flushes, self.closed = 0, False
        self.instances.append(self)

    def add_scalar(self, tag, value, step):
        self.scalars.append((tag, value, step))

    def flush(self):
        self.flushes += 1

    def close(self):
        self.closed = True


def test_tensorboard_scalars(tmp_path, monkeypatch):
    module = type(sys)('torch.utils.tensorboard')
    module.SummaryWriter = _RecordingWriter
    monkeypatch.setitem(sys.modules, 'torch.utils.tensorboard', module)
    _RecordingWriter.instances.clear()

    RunDirectory(str(tmp_path / 'off')).log_epoch({'epoch': 0, 'loss': 1.})
    assert _RecordingWriter.instances == []  # Off by default.

    run = RunDirectory(str(tmp_path / 'run'), tensorboard=True)
    run.log_epoch({'epoch': 0, 'loss': 2.0, 'acc': 0.5, 'note': 'x'})
    run.log_epoch({'epoch': 1, 'loss': 1.0, 'acc': 0.75, 'note': 'y'})
    [writer] = _RecordingWriter.instances  # One writer for the run.
    assert writer.log_dir == str(tmp_path / 'run' / 'tensorboard')
    # Numbers only, stepped by epoch; 'epoch' itself is the step.
    assert writer.scalars == [('loss', 2.0, 0), ('acc', 0.5, 0),
                              ('loss', 1.0, 1), ('acc', 0.75, 1)]
    assert writer.flushes == 2 and not writer.closed
    run.close()
    assert writer.closed
    run.close()  # Closing twice is harmless.


def test_tensorboard_missing_is_silent(tmp_path, monkeypatch):
    # A None entry in sys.modules makes the import raise ImportError.
    monkeypatch.setitem(sys.modules, 'torch.utils.tensorboard', None)
    run = RunDirectory(str(tmp_path / 'run'), tensorboard=True)
    run.log_epoch({'epoch': 0, 'loss': 1.0})
    assert [row['loss'] for row in run.read_log()] == ['1.0']
    assert not (tmp_path / 'run' / 'tensorboard').exists()
