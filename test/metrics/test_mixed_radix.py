import pytest
import torch

from torch_geometric_fnri.metrics import decode_mixed_radix, encode_mixed_radix


def test_layer_zero_most_significant():
    digits = torch.tensor([[1, 0, 1], [0, 1, 1], [1, 1, 1]])
    assert encode_mixed_radix(digits, [2, 2, 2]).tolist() == [5, 3, 7]
    # Mixed radix: label = 2 * 3 + 1 with K = [4, 3].
    assert encode_mixed_radix(torch.tensor([2, 1]), [4, 3]).item() == 7


def test_round_trip():
    num_classes = [3, 2, 4]
    code = torch.arange(24)
    digits = decode_mixed_radix(code, num_classes)
    assert digits.shape == (24, 3)
    assert (digits < torch.tensor(num_classes)).all()
    assert encode_mixed_radix(digits, num_classes).tolist() == list(range(24))


def test_errors():
    with pytest.raises(ValueError, match='digits'):
        encode_mixed_radix(torch.zeros(3, 2, dtype=torch.long), [2, 2, 2])
    with pytest.raises(TypeError, match='num_classes'):
        encode_mixed_radix(torch.zeros(3, 1, dtype=torch.long), [2.5])
    with pytest.raises(TypeError, match='num_classes'):
        decode_mixed_radix(torch.zeros(3, dtype=torch.long), 4)
    with pytest.raises(ValueError, match=r'positive ints \(got \[2, 0\]\)'):
        decode_mixed_radix(torch.zeros(3, dtype=torch.long), [2, 0])
    with pytest.raises(ValueError, match='empty'):
        decode_mixed_radix(torch.zeros(3, dtype=torch.long), [])
