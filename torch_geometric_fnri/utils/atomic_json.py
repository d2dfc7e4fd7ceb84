"""Writing a text or JSON file atomically."""
import json
import os
import secrets
from typing import Any


def write_text_atomic(path: str, text: str) -> None:
    r"""Writes :obj:`text` to :obj:`path` so that readers see either the
    previous file or the complete new one, never a partial write: it goes
    to a temporary ``*.tmp`` file next to :obj:`path`, is flushed to disk
    (:func:`os.fsync`) and then replaces :obj:`path` (:func:`os.replace`).
    If writing fails (a full disk, a killed process aside), the temporary
    file is removed and :obj:`path` is left as it was.

    Args:
        path (str): The file to write.
        text (str): Its new content (written as UTF-8).
    """
    # The name is unique per process and call; a killed writer leaves a
    # '*.tmp' file behind that tidy-ups can recognise.
    tmp = f'{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp'
    try:
        with open(tmp, 'x', encoding='utf-8', newline='') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_json_atomic(path: str, obj: Any, indent: int = 2,
                      sort_keys: bool = True) -> None:
    r"""Writes :obj:`obj` as JSON (and a final newline) to :obj:`path`
    atomically (see :func:`write_text_atomic`).

    Args:
        path (str): The file to write.
        obj (Any): A JSON-serialisable object.
        indent (int, optional): The indentation of :func:`json.dump`.
            (default: :obj:`2`)
        sort_keys (bool, optional): Whether dictionary keys are sorted.
            (default: :obj:`True`)
    """
    write_text_atomic(path, json.dumps(obj, indent=indent,
                                       sort_keys=sort_keys) + '\n')
