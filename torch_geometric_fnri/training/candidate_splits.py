r"""The candidate graph of a run: the one the trainer applies to the splits,
or the one their datasets apply themselves."""
import warnings
from collections import abc
from typing import Any, Dict, Optional, Sequence, Tuple

from torch_geometric.transforms import Compose

from torch_geometric_fnri.metrics import MissedPairs
from torch_geometric_fnri.transforms import CandidateGraph


class CandidateGraphSplit(abc.Sequence):
    r"""A split seen through a candidate graph: item :obj:`i` is
    :obj:`candidate_graph(dataset[i])`, made on access; every other
    attribute is the dataset's (its statistics, names, label layers, ...).

    Args:
        dataset (Sequence[Data]): The split, fully connected graphs.
        candidate_graph (CandidateGraph): The candidate graph.
    """
    def __init__(self, dataset: Sequence, candidate_graph: CandidateGraph):
        self.dataset = dataset
        self.candidate_graph = candidate_graph

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        return self.candidate_graph(self.dataset[index])

    def __getattr__(self, name: str) -> Any:
        if name in ('dataset', 'candidate_graph'):  # Not set yet.
            raise AttributeError(name)
        return getattr(self.dataset, name)


def dataset_candidate_graph(dataset: Sequence) -> Optional[CandidateGraph]:
    r"""The candidate graph among the :obj:`pre_transform` and
    :obj:`transform` of a dataset (also inside a
    :class:`torch_geometric.transforms.Compose`), or :obj:`None`; raises a
    :class:`ValueError` for more than one.

    Args:
        dataset (Sequence[Data]): The split.
    """
    found = []
    pending = [getattr(dataset, key, None)
               for key in ('pre_transform', 'transform')]
    while pending:
        transform = pending.pop(0)
        if isinstance(transform, CandidateGraph):
            found.append(transform)
        elif isinstance(transform, Compose):
            pending[:0] = list(transform.transforms)
    if len(found) > 1:
        raise ValueError(f"the dataset applies {len(found)} candidate "
                         f"graphs ({found}): a run has one")
    return found[0] if found else None


def run_candidate_graph(
    splits: Dict[str, Optional[Sequence]],
    candidate_graph: Optional[CandidateGraph],
) -> Tuple[Optional[CandidateGraph], Dict[str, Optional[Sequence]]]:
    r"""The candidate graph of a run and its splits as the trainer uses
    them.

    Given a :obj:`candidate_graph`, the trainer applies it to every split
    (:class:`CandidateGraphSplit`); a split whose dataset applies a
    candidate graph itself is then refused. Without one, the candidate
    graph is that of the splits' datasets (:func:`dataset_candidate_graph`),
    which must be the same for all of them; graphs that carry a record of
    missed pairs with none found give a :class:`UserWarning` (the run does
    not store it, so new data are not put on it).

    Args:
        splits (Dict[str, Sequence[Data]]): The splits by the trainer's
            argument names, :obj:`None` where not given.
        candidate_graph (CandidateGraph, optional): The trainer's.
    """
    if candidate_graph is not None and not isinstance(candidate_graph,
                                                      CandidateGraph):
        raise TypeError(f"'candidate_graph' must be a CandidateGraph such "
                        f"as KNNCandidateGraph(4, frames=slice(0, 49)) (got "
                        f"{type(candidate_graph).__name__})")
    given = {name: split for name, split in splits.items()
             if split is not None}
    own = {name: dataset_candidate_graph(split)
           for name, split in given.items()}
    if candidate_graph is not None:
        named = [name for name, found in own.items() if found is not None]
        if named:
            raise ValueError(
                f"'{named[0]}' applies a candidate graph itself "
                f"({own[named[0]]}): give the candidate graph once, to the "
                f"datasets or to the trainer")
        return candidate_graph, {
            name: None if split is None else CandidateGraphSplit(
                split, candidate_graph)
            for name, split in splits.items()}
    configs = {name: None if found is None else found.config
               for name, found in own.items()}
    if len({repr(config) for config in configs.values()}) > 1:
        raise ValueError(f"the splits have different candidate graphs "
                         f"({own}): give them the same one")
    found = next(iter(own.values()), None)
    if found is None and any(len(split) and MissedPairs.read(split[0])
                             is not None for split in given.values()):
        warnings.warn(
            "the graphs are candidate graphs (they record missed pairs) "
            "but no split names its CandidateGraph as transform or "
            "pre_transform: the run does not store it, so load_trained and "
            "infer do not put new data on it; give fully connected splits "
            "and Trainer(candidate_graph=...)", stacklevel=3)
    return found, splits
