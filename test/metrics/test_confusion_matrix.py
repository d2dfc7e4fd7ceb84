import pytest
import torch

from torch_geometric_fnri.metrics import confusion_matrix


def test_counts_match_loop():
    gen = torch.Generator().manual_seed(0)
    pred = torch.randint(0, 3, (200, 2), generator=gen)
    target = torch.randint(0, 2, (200, 1), generator=gen)
    conf = confusion_matrix(pred, target, [3, 3], [2])
    assert conf.shape == (9, 2) and conf.dtype == torch.long
    expected = torch.zeros(9, 2, dtype=torch.long)
    for p, t in zip(pred.tolist(), target.tolist()):
        expected[3 * p[0] + p[1], t[0]] += 1
    assert torch.equal(conf, expected)


def test_accumulates_and_accepts_1d():
    gen = torch.Generator().manual_seed(1)
    pred = torch.randint(0, 4, (50, ), generator=gen)
    target = torch.randint(0, 2, (50, 2), generator=gen)
    whole = confusion_matrix(pred, target, [4], [2, 2])
    parts = (confusion_matrix(pred[:20], target[:20], [4], [2, 2]) +
             confusion_matrix(pred[20:], target[20:], [4], [2, 2]))
    assert torch.equal(whole, parts)
    assert int(whole.sum()) == 50
    empty = confusion_matrix(pred[:0], target[:0], [4], [2, 2])
    assert int(empty.sum()) == 0 and empty.shape == (4, 4)


def test_errors():
    pred = torch.zeros(5, 2, dtype=torch.long)
    target = torch.zeros(5, 2, dtype=torch.long)
    with pytest.raises(TypeError, match="'pred' must be an integer"):
        confusion_matrix(pred.float(), target, [2, 2], [2, 2])
    with pytest.raises(ValueError, match=r"'pred' must have shape \[E, 3\]"):
        confusion_matrix(pred, target, [2, 2, 2], [2, 2])
    with pytest.raises(ValueError, match="'target' values"):
        confusion_matrix(pred, target + 2, [2, 2], [2, 2])
    with pytest.raises(ValueError, match="'pred' values"):
        confusion_matrix(pred - 1, target, [2, 2], [2, 2])
    with pytest.raises(ValueError, match='same number of edges'):
        confusion_matrix(pred, target[:4], [2, 2], [2, 2])
    with pytest.raises(TypeError, match="'target' must be a torch.Tensor"):
        confusion_matrix(pred, target.tolist(), [2, 2], [2, 2])
