import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from torch_geometric_fnri.transforms import (
    POSITION_VELOCITY_GROUPS,
    TrajectoryNormalizer,
)


def test_fit_round_trip_and_scale():
    x = torch.randn(3, 5, 7, 4, dtype=torch.float64)
    x[..., 2:] *= 0.1
    stats = TrajectoryNormalizer.fit(x, POSITION_VELOCITY_GROUPS)
    assert stats.minimum[0] == stats.minimum[1] == x[..., :2].min()
    assert stats.maximum[2] == stats.maximum[3] == x[..., 2:].max()
    out = stats.normalize(x)
    assert out.min() == -1 and out.max() == 1
    assert torch.allclose(stats.denormalize(out), x)
    assert torch.allclose(stats.scale, (stats.maximum - stats.minimum) / 2)
    # A unit step in normalised space is `scale` in physical units.
    assert torch.allclose(stats.denormalize(out + 1) - x,
                          stats.scale.expand_as(x))
    out32 = stats.normalize(x.float())
    assert out32.dtype == torch.float32
    numpy_out = stats.normalize(x.numpy())
    assert isinstance(numpy_out, np.ndarray)
    np.testing.assert_allclose(numpy_out, out.numpy())


def test_per_feature_fit_transform_and_dict():
    x = np.stack([np.arange(4.), 10 * np.arange(4.)], axis=-1)
    stats = TrajectoryNormalizer.fit(x)
    assert stats.maximum.tolist() == [3., 30.]
    data = stats(Data(x=torch.from_numpy(x)))
    assert data.x[:, 0].tolist() == data.x[:, 1].tolist()
    assert data.x[0].tolist() == [-1., -1.]
    assert TrajectoryNormalizer.from_dict(stats.to_dict()) == stats
    assert repr(stats) == ('TrajectoryNormalizer(minimum=[0.0, 0.0], '
                           'maximum=[3.0, 30.0])')


def test_errors():
    with pytest.raises(ValueError, match="'maximum' must exceed"):
        TrajectoryNormalizer([0., 1.], [1., 1.])
    with pytest.raises(ValueError, match='same non-zero length'):
        TrajectoryNormalizer([0.], [1., 2.])
    with pytest.raises(ValueError, match='must be finite'):
        TrajectoryNormalizer([0.], [float('inf')])
    with pytest.raises(ValueError, match="'groups' must index"):
        TrajectoryNormalizer.fit(np.ones((2, 2)), [[0, 2]])
    with pytest.raises(ValueError, match="'x' must have 2 features"):
        TrajectoryNormalizer([0., 0.], [1., 1.]).normalize(torch.ones(3))
    with pytest.raises(ValueError, match="'maximum' must exceed"):
        TrajectoryNormalizer.fit(np.ones((3, 2)))


@pytest.mark.parametrize('stats', [{'minimum': [0.0]}, {}, [0.0, 1.0]])
def test_from_dict_names_what_is_missing(stats):
    with pytest.raises(ValueError, match=r"'minimum' and 'maximum' \(see "
                       r"to_dict\); this one lacks \['"):
        TrajectoryNormalizer.from_dict(stats)
