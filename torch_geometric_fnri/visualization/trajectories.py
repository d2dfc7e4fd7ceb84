r"""Predicted against ground-truth particle trajectories."""
from typing import Optional, Sequence

from torch import Tensor

from ._matplotlib import new_figure, save_figure


def plot_trajectories(
    path: str,
    targets: Sequence[Tensor],
    predictions: Sequence[Tensor],
    observed: Optional[Sequence[Tensor]] = None,
    titles: Optional[Sequence[str]] = None,
) -> str:
    r"""Draws the trajectories of a few systems in the style of Fig. 3 of
    the fNRI paper, one row per system: the frames the encoder observed
    (optional), the ground-truth continuation and the model's prediction,
    and saves the figure as a PNG (needs :mod:`matplotlib`).

    Positions are the first two features. Each particle has its own
    colour; lines fade in from light to dark along time and the last
    position is marked.

    Args:
        path (str): Output PNG file.
        targets (Sequence[torch.Tensor]): Ground truth, each
            :obj:`[N, T, D]` with :math:`D \geq 2`.
        predictions (Sequence[torch.Tensor]): Predictions, each
            :obj:`[N, T', D]` (same :math:`N` as its target).
        observed (Sequence[torch.Tensor], optional): Encoder input of each
            system, :obj:`[N, T_{enc}, D]`. (default: :obj:`None`)
        titles (Sequence[str], optional): One row label per system.
            (default: :obj:`None`)

    Returns:
        The path written.
    """
    num = len(targets)
    if num == 0 or len(predictions) != num:
        raise ValueError(
            f"'targets' and 'predictions' must hold the same positive "
            f"number of systems (got {num} and {len(predictions)})")
    if observed is not None and len(observed) != num:
        raise ValueError(f"'observed' must hold {num} systems "
                         f"(got {len(observed)})")
    if titles is not None and len(titles) != num:
        raise ValueError(f"'titles' must hold {num} labels "
                         f"(got {len(titles)})")
    columns = [('ground truth', targets), ('prediction', predictions)]
    if observed is not None:
        columns.insert(0, ('observed (encoder input)', observed))
    for name, systems in columns:
        for tensor in systems:
            if not isinstance(tensor, Tensor) or tensor.dim() != 3 or \
                    tensor.size(-1) < 2:
                raise ValueError(
                    f"every '{name}' entry must be a tensor [N, T, D] with "
                    f"D >= 2 (got {getattr(tensor, 'shape', tensor)})")
    fig = new_figure(num, len(columns), panel_size=2.8)
    for row in range(num):
        limits = _limits([systems[row] for _, systems in columns])
        for col, (name, systems) in enumerate(columns):
            ax = fig.axes[row * len(columns) + col]
            _draw(ax, systems[row].detach().cpu().float())
            ax.set_xlim(*limits[0])
            ax.set_ylim(*limits[1])
            ax.set_aspect('equal')
            ax.tick_params(labelsize=6)
            label = name if titles is None else f'{titles[row]}: {name}'
            ax.set_title(label, fontsize=8)
    return save_figure(fig, path)


def _draw(ax, trajectory: Tensor) -> None:
    from matplotlib import colormaps
    cmap = colormaps['tab10']
    num_frames = trajectory.size(1)
    for n in range(trajectory.size(0)):
        xy = trajectory[n, :, :2].numpy()
        color = cmap(n % 10)
        for t in range(num_frames - 1):
            alpha = 0.15 + 0.85 * (t + 1) / max(num_frames - 1, 1)
            ax.plot(xy[t:t + 2, 0], xy[t:t + 2, 1], color=color,
                    alpha=alpha, linewidth=1.2)
        ax.plot(xy[-1, 0], xy[-1, 1], 'o', color=color, markersize=3)


def _limits(trajectories: Sequence[Tensor]):
    out = []
    for dim in range(2):
        low = min(float(t[..., dim].min()) for t in trajectories)
        high = max(float(t[..., dim].max()) for t in trajectories)
        pad = 0.05 * max(high - low, 1e-3)
        out.append((low - pad, high + pad))
    return out
