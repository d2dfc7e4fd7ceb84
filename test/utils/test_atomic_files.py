import json
import os

import pytest

from torch_geometric_fnri.utils.atomic_files import write_json_atomic


def test_write_json_atomic_round_trip(tmp_path):
    path = str(tmp_path / 'values.json')
    values = {'b': [1, 2.5, None], 'a': {'nested': 'text'}}
    write_json_atomic(path, values)
    with open(path) as f:
        text = f.read()
    assert json.loads(text) == values
    assert text == json.dumps(values, indent=2, sort_keys=True) + '\n'

    write_json_atomic(path, {'b': 1, 'a': 2}, indent=1, sort_keys=False)
    with open(path) as f:
        assert f.read() == '{\n "b": 1,\n "a": 2\n}\n'
    assert os.listdir(tmp_path) == ['values.json']


def test_write_json_atomic_failure_keeps_previous_file(tmp_path):
    path = str(tmp_path / 'values.json')
    write_json_atomic(path, {'epoch': 1})
    # json.dump fails half-way, after the first key was written.
    with pytest.raises(TypeError, match='not JSON serializable'):
        write_json_atomic(path, {'epoch': 2, 'model': object()})
    with open(path) as f:
        assert json.load(f) == {'epoch': 1}
    assert os.listdir(tmp_path) == ['values.json']

    # Nothing is left behind when there was no previous file either.
    with pytest.raises(TypeError):
        write_json_atomic(str(tmp_path / 'new.json'), [object()])
    assert os.listdir(tmp_path) == ['values.json']


def test_atomic_file_keeps_the_previous_file_when_the_writer_fails(
        tmp_path):
    import errno

    from torch_geometric_fnri.utils.atomic_files import (
        atomic_file,
        is_temporary_file,
    )
    path = tmp_path / 'graphs.npz'
    path.write_bytes(b'previous')

    class DiskFull(OSError):
        pass

    with pytest.raises(DiskFull):
        with atomic_file(str(path)) as tmp:
            assert tmp.endswith('.npz') and is_temporary_file(
                os.path.basename(tmp))
            with open(tmp, 'wb') as f:
                f.write(b'half of the new')
            raise DiskFull(errno.ENOSPC, 'No space left on device')
    assert path.read_bytes() == b'previous'
    assert os.listdir(tmp_path) == ['graphs.npz']

    with atomic_file(str(path)) as tmp:
        with open(tmp, 'wb') as f:
            f.write(b'new')
    assert path.read_bytes() == b'new'
    assert os.listdir(tmp_path) == ['graphs.npz']
    assert not is_temporary_file('graphs.npz')
    assert is_temporary_file('last.pt.12.tmp')
