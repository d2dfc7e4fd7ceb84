import numpy as np
import pytest
import torch

from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts


def test_as_edge_type_counts():
    assert as_edge_type_counts(3) == [3]
    assert as_edge_type_counts([2, 3]) == [2, 3]
    out = as_edge_type_counts((np.int64(2), torch.tensor(4)), allow_int=False)
    assert out == [2, 4] and all(type(k) is int for k in out)


@pytest.mark.parametrize('counts, allow_int, error, message', [
    (2, False, TypeError, "'k' must be a non-empty list of positive ints"),
    ('22', True, TypeError, r"\(got '22'\)"),
    ([2, 2.5], True, TypeError, r"\(got \[2, 2.5\]\)"),
    ([2, True], True, TypeError, r"\(got \[2, True\]\)"),
    (True, True, TypeError, r"'k' must be a positive int or a non-empty "),
    ([], True, ValueError, r"\(got \[\]\)"),
    ([2, 0], False, ValueError, r"positive ints \(got \[2, 0\]\)"),
    (0, True, ValueError, r"\(got \[0\]\)"),
])
def test_as_edge_type_counts_errors(counts, allow_int, error, message):
    with pytest.raises(error, match=message):
        as_edge_type_counts(counts, 'k', allow_int=allow_int)
