import pytest
import torch

from torch_geometric_fnri.visualization import plot_trajectories


def test_plot_trajectories(tmp_path):
    pytest.importorskip('matplotlib')
    gen = torch.Generator().manual_seed(0)
    targets = [torch.randn(5, 12, 4, generator=gen) for _ in range(2)]
    preds = [t[:, 1:] + 0.1 for t in targets]
    observed = [torch.randn(5, 10, 4, generator=gen) for _ in range(2)]
    path = plot_trajectories(str(tmp_path / 'traj.png'), targets, preds,
                             observed, titles=['a', 'b'])
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    path = plot_trajectories(str(tmp_path / 'traj2.png'), targets[:1],
                             preds[:1])
    assert (tmp_path / 'traj2.png').stat().st_size > 0


def test_plot_trajectories_errors(tmp_path):
    target = torch.zeros(5, 12, 4)
    with pytest.raises(ValueError, match='same positive number'):
        plot_trajectories(str(tmp_path / 'x.png'), [target], [])
    with pytest.raises(ValueError, match="'prediction'"):
        plot_trajectories(str(tmp_path / 'x.png'), [target],
                          [torch.zeros(5, 12)])
    with pytest.raises(ValueError, match="'observed'"):
        plot_trajectories(str(tmp_path / 'x.png'), [target], [target],
                          observed=[target, target])
