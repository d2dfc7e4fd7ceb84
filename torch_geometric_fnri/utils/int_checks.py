r"""The one test of "an integer count" that the argument checks share."""
from typing import Any

import numpy as np


def is_int(value: Any) -> bool:
    r"""Whether :obj:`value` is an integer (a Python or NumPy one), and not
    a :obj:`bool`."""
    return isinstance(value, (int, np.integer)) and not isinstance(
        value, bool)


def check_int(name: str, value: Any, minimum: int) -> None:
    r"""Raises a :class:`ValueError` unless :obj:`value` is an integer
    (:func:`is_int`) of at least :obj:`minimum`.

    Args:
        name (str): The argument's name, for the message.
        value (Any): The argument.
        minimum (int): Its smallest allowed value.
    """
    if not is_int(value) or value < minimum:
        raise ValueError(f"'{name}' must be an int >= {minimum} "
                         f"(got {value!r})")
