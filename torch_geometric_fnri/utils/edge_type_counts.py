"""The check of a list of edge-type (class) counts."""
import numbers
import operator
from typing import List, Sequence, Union


def as_edge_type_counts(counts: Union[int, Sequence[int]],
                        name: str = 'num_edge_types',
                        allow_int: bool = True) -> List[int]:
    r"""Checks a list of edge-type counts :math:`K_l \geq 1` (one per
    layer-graph, or one per digit of a mixed-radix code) and returns it as a
    list of :obj:`int`.

    Args:
        counts (int or Sequence[int]): The counts; a single int stands for a
            one-entry list when :obj:`allow_int` is set. Entries may be any
            integer type (*e.g.*, :class:`numpy.int64`), but not
            :obj:`bool`.
        name (str, optional): The argument name used in error messages.
            (default: :obj:`'num_edge_types'`)
        allow_int (bool, optional): Whether a single int is accepted.
            (default: :obj:`True`)

    Raises:
        TypeError: If :obj:`counts` is not a list of ints (or an int, where
            allowed).
        ValueError: If :obj:`counts` is empty or holds an entry below 1.
    """
    if allow_int and isinstance(counts, numbers.Integral) \
            and not isinstance(counts, bool):
        counts = [counts]
    expected = ('a positive int or a non-empty list of positive ints'
                if allow_int else 'a non-empty list of positive ints')
    if isinstance(counts, (str, bytes)) or not hasattr(counts, '__len__'):
        raise TypeError(f"'{name}' must be {expected} (got {counts!r})")
    if not all(_is_int(k) for k in counts):
        raise TypeError(f"'{name}' must be {expected} "
                        f"(got {list(counts)!r})")
    out = [operator.index(k) for k in counts]
    if len(out) == 0 or any(k < 1 for k in out):
        raise ValueError(f"'{name}' must be {expected} (got {out!r})")
    return out


def active_edge_types(num_edge_types: List[int],
                      skip_first: bool) -> List[int]:
    r"""The indices (into the :math:`\sum_l K_l` concatenated types) of
    the edge types that send messages: all of them, or all but the first
    type of every layer-graph with :obj:`skip_first` (the non-edge)."""
    first, offset = set(), 0
    for k in num_edge_types:
        first.add(offset)
        offset += k
    return [k for k in range(offset) if not (skip_first and k in first)]


def _is_int(value) -> bool:
    if isinstance(value, bool):
        return False
    try:
        operator.index(value)
    except TypeError:
        return False
    return True
