"""Writing files atomically: readers see the previous file or the complete
new one, never a partial write."""
import contextlib
import json
import os
import re
import secrets
from typing import Any, Iterator


@contextlib.contextmanager
def atomic_file(path: str) -> Iterator[str]:
    r"""Yields a temporary path next to :obj:`path` for the caller to write;
    when the block ends without an error the temporary file is flushed to
    disk (:func:`os.fsync`) and replaces :obj:`path` (:func:`os.replace`),
    so readers see either the previous file or the complete new one. If
    the block or the rename fails (a full disk, an error of the writer),
    the temporary file is removed and :obj:`path` is left as it was.

    .. code-block:: python

        with atomic_file('graphs.npz') as tmp:
            with open(tmp, 'wb') as f:
                np.savez(f, **arrays)

    Args:
        path (str): The file to write.
    """
    # The name is unique per process and call and keeps the extension
    # (some writers add theirs); a killed writer leaves a '*.tmp.<ext>'
    # file behind that tidy-ups can recognise.
    stem, ext = os.path.splitext(path)
    tmp = f'{stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp{ext}'
    try:
        yield tmp
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def is_temporary_file(name: str) -> bool:
    r"""Whether the file called :obj:`name` is the temporary file of an
    atomic write (``*.tmp`` or ``*.tmp.<ext>``)."""
    return re.search(r'\.tmp(\.[^.]+)?$', name) is not None


def write_text_atomic(path: str, text: str) -> None:
    r"""Writes :obj:`text` (UTF-8) to :obj:`path` atomically (see
    :func:`atomic_file`).

    Args:
        path (str): The file to write.
        text (str): Its new content.
    """
    with atomic_file(path) as tmp:
        with open(tmp, 'x', encoding='utf-8', newline='') as f:
            f.write(text)


def write_json_atomic(path: str, obj: Any, indent: Any = 2,
                      sort_keys: bool = True) -> None:
    r"""Writes :obj:`obj` as JSON (and a final newline) to :obj:`path`
    atomically (see :func:`atomic_file`).

    Args:
        path (str): The file to write.
        obj (Any): A JSON-serialisable object.
        indent (int, optional): The indentation of :func:`json.dump`
            (:obj:`None`: one line). (default: :obj:`2`)
        sort_keys (bool, optional): Whether dictionary keys are sorted.
            (default: :obj:`True`)
    """
    write_text_atomic(path, json.dumps(obj, indent=indent,
                                       sort_keys=sort_keys) + '\n')
