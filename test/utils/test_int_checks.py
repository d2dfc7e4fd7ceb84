import numpy as np
import pytest

from torch_geometric_fnri.utils.int_checks import check_int, is_int


def test_is_int():
    assert is_int(3) and is_int(np.int64(3)) and is_int(-1)
    assert not is_int(True) and not is_int(np.bool_(True))
    assert not is_int(3.0) and not is_int('3') and not is_int(None)


def test_check_int():
    check_int('k', 2, 2)
    check_int('k', np.int32(5), 1)
    for value in (1, 2.0, True, None):
        with pytest.raises(ValueError, match=rf"'k' must be an int >= 2 "
                           rf"\(got {value!r}\)"):
            check_int('k', value, 2)
