r"""Lazy :mod:`matplotlib` access (an optional dependency).

Figures are built with :class:`matplotlib.figure.Figure` directly, without
:mod:`matplotlib.pyplot`, so plotting never opens a window or touches the
global backend, also on machines without a display.
"""
import os
import os.path as osp


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(
            "plotting requires 'matplotlib' (pip install matplotlib)") from e
    return Figure


def legend_line(label: str, **kwargs):
    r"""A legend entry: a line with the :class:`matplotlib.lines.Line2D`
    style :obj:`kwargs` (*e.g.* :obj:`color`, :obj:`linestyle`)."""
    _figure_class()  # The clear error without matplotlib.
    from matplotlib.lines import Line2D
    return Line2D([], [], label=label, **kwargs)


def new_figure(rows: int, cols: int, panel_size: float = 3.0):
    r"""A figure with a :obj:`rows` x :obj:`cols` grid of axes."""
    fig = _figure_class()(figsize=(panel_size * cols, panel_size * rows),
                          layout='constrained')
    fig.subplots(rows, cols, squeeze=False)
    return fig


def save_figure(fig, path: str, dpi: int = 110) -> str:
    r"""Saves :obj:`fig` as a PNG at :obj:`path` (directories created) and
    returns the path."""
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fig.savefig(path, dpi=dpi, format='png')
    return path
