r"""The multiplex graphs a trained run infers for a few simulations, drawn
beside their ground truth."""
import os.path as osp
from typing import List, Sequence

from ..training.trained_run import simulation_graph
from .multiplex_graph import plot_multiplex_graph


def plot_inferred_graphs(run, dataset: Sequence, out_dir: str,
                         num_systems: int = 3) -> List[str]:
    r"""Infers the multiplex graph of each of the first :obj:`num_systems`
    simulations of :obj:`dataset` with :obj:`run` (through
    :meth:`~torch_geometric_fnri.training.TrainedRun.infer_graphs`, in the
    data's label layers) and draws it beside the simulation's labels to
    ``out_dir/graph_<i>.png``; a run on a candidate graph draws the edges
    of that graph. Needs :mod:`matplotlib`.

    Args:
        run (TrainedRun): A trained run with an encoder and a fitted edge
            mapping (:func:`~torch_geometric_fnri.training.load_trained`).
        dataset (Sequence[Data]): Simulations normalised like the run's
            training data, with labels :obj:`edge_type` :obj:`[E, L]`.
        out_dir (str): The folder of the pictures.
        num_systems (int, optional): How many simulations to draw.
            (default: :obj:`3`)

    Returns:
        The paths of the pictures.
    """
    systems = run.on_candidate_graph(
        [dataset[i] for i in range(min(num_systems, len(dataset)))])
    graphs = run.infer_graphs(systems)
    paths = []
    for index, data in enumerate(systems):
        graph = simulation_graph(graphs, index)
        paths.append(plot_multiplex_graph(
            osp.join(out_dir, f'graph_{index}.png'), graph['edge_index'],
            graph['edge_type'].clamp(min=0), data.edge_type.cpu(),
            num_nodes=data.num_nodes, layer_names=graphs['layer_names'],
            title=f'test system {index}'))
    return paths
