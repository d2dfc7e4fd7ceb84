import os
import random

import numpy as np
import pytest
import torch

from torch_geometric_fnri.training import (
    load_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
)


def test_save_load_round_trip(tmp_path):
    path = str(tmp_path / 'ckpt' / 'last.pt')
    save_checkpoint({'w': torch.arange(3), 'epoch': 2}, path)
    save_checkpoint({'w': torch.arange(4), 'epoch': 3}, path)
    state = load_checkpoint(path)
    assert state['epoch'] == 3 and torch.equal(state['w'], torch.arange(4))
    assert os.listdir(tmp_path / 'ckpt') == ['last.pt']  # No temp files.
    with pytest.raises(FileNotFoundError, match='no checkpoint'):
        load_checkpoint(str(tmp_path / 'missing.pt'))


def test_failed_save_keeps_old_file(tmp_path):
    path = str(tmp_path / 'last.pt')
    save_checkpoint({'epoch': 1}, path)
    with pytest.raises(Exception):
        save_checkpoint({'bad': lambda: None}, path)  # Not picklable.
    assert load_checkpoint(path) == {'epoch': 1}
    assert os.listdir(tmp_path) == ['last.pt']


def test_rng_state_round_trip():
    generator = torch.Generator().manual_seed(3)
    state = rng_state(generator)
    first = (torch.rand(3), np.random.rand(), random.random(),
             torch.rand(2, generator=generator))
    set_rng_state(state, generator)
    second = (torch.rand(3), np.random.rand(), random.random(),
              torch.rand(2, generator=generator))
    assert torch.equal(first[0], second[0])
    assert first[1] == second[1] and first[2] == second[2]
    assert torch.equal(first[3], second[3])


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import pathlib
        return pathlib.Path.touch, (pathlib.Path(self.marker), )


def test_a_checkpoint_that_would_run_code_is_refused(tmp_path):
    marker = tmp_path / 'code-ran'
    path = tmp_path / 'best.pt'
    torch.save({'model': {}, 'payload': _RunsCode(str(marker))}, path)
    with pytest.raises(ValueError, match="refusing to load .*best.pt.* "
                       "crafted to run code"):
        load_checkpoint(str(path))
    assert not marker.exists()


@pytest.mark.parametrize('content', [b'', b'PK\x03\x04 truncated',
                                     bytes(range(256)) * 4])
def test_a_damaged_checkpoint_is_named(tmp_path, content):
    path = tmp_path / 'last.pt'
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"last.pt"):
        load_checkpoint(str(path))


def test_checkpoint_rng_states_are_plain_data(tmp_path):
    import numpy as np
    np.random.seed(3)
    state = rng_state(torch.Generator().manual_seed(1))
    path = tmp_path / 'rng.pt'
    save_checkpoint({'rng': state}, str(path))
    expected = np.random.rand(3)
    np.random.seed(4)
    set_rng_state(torch.load(path, weights_only=True)['rng'])
    assert np.array_equal(np.random.rand(3), expected)
