"""Edge-type list normalisation shared by losses and layers (private)."""
from typing import List, Union


def as_edge_type_list(num_edge_types: Union[int, List[int]],
                      name: str = 'num_edge_types') -> List[int]:
    r"""Normalises an int or a list of ints to a non-empty list of ints
    :math:`\geq 1`."""
    if isinstance(num_edge_types, int) and not isinstance(
            num_edge_types, bool):
        num_edge_types = [num_edge_types]
    if (not isinstance(num_edge_types, (list, tuple))
            or len(num_edge_types) == 0 or any(
                not isinstance(k, int) or isinstance(k, bool) or k < 1
                for k in num_edge_types)):
        raise ValueError(f"'{name}' must be a positive int or a non-empty "
                         f"list of positive ints (got {num_edge_types!r})")
    return [int(k) for k in num_edge_types]
