r"""Isomorphism classes of multiplex interaction graphs.

The interaction graph of a simulation is multiplex: one integer label matrix
per layer, stacked to :obj:`[L, N, N]` and indexed ``[receiver, sender]``.
Two simulations whose graphs agree up to relabelling the particles (the same
permutation applied to the rows and columns of every layer) produce the same
dynamics up to the initial conditions (Day et al., 2020,
`arXiv:2009.14593 <https://arxiv.org/abs/2009.14593>`_). A test split whose
isomorphism classes also occur in training therefore measures memorisation
as much as inference; the functions below find the classes, measure that
leakage and build splits free of it.

Canonical forms enumerate all :math:`N!` particle permutations, so graphs
are limited to :obj:`MAX_NUM_NODES` particles.
"""
import itertools
import math
from functools import lru_cache
from typing import Hashable, List, NamedTuple, Sequence, Tuple, Union

import numpy as np
import torch
from torch_geometric.data import Data

#: The largest number of particles :func:`canonical_form` accepts
#: (:math:`8! = 40320` permutations).
MAX_NUM_NODES = 8

#: A canonical key: :obj:`(N, L, labels)` with ``labels`` the canonical
#: label tensor flattened layer-major to a tuple of ints.
CanonicalKey = Tuple[int, int, Tuple[int, ...]]


class IsomorphismLeakage(NamedTuple):
    r"""Overlap of the isomorphism classes of a train and a test set."""
    #: Share of test simulations whose class occurs in the train set.
    fraction: float
    #: Distinct classes in the train set.
    num_train_classes: int
    #: Distinct classes in the test set.
    num_test_classes: int
    #: Distinct classes in both sets.
    num_shared_classes: int


@lru_cache(maxsize=None)
def _permutations(num_nodes: int) -> np.ndarray:
    return np.array(list(itertools.permutations(range(num_nodes))),
                    dtype=np.int64).reshape(-1, num_nodes)


def _check_labels(labels) -> np.ndarray:
    if isinstance(labels, torch.Tensor):
        labels = labels.detach().cpu().numpy()
    labels = np.asarray(labels)
    if labels.ndim != 3 or labels.shape[1] != labels.shape[2]:
        raise ValueError(f"'labels' must have shape [L, N, N] "
                         f"(got {labels.shape})")
    if labels.shape[0] < 1 or labels.shape[1] < 1:
        raise ValueError(f"'labels' needs at least one layer and one node "
                         f"(got shape {labels.shape})")
    if labels.dtype != np.bool_ and not np.issubdtype(labels.dtype,
                                                      np.integer):
        raise TypeError(f"'labels' must hold integers (got dtype "
                        f"{labels.dtype})")
    if labels.shape[1] > MAX_NUM_NODES:
        raise ValueError(
            f"Canonical forms enumerate all N! particle permutations and "
            f"support at most {MAX_NUM_NODES} particles (got "
            f"N={labels.shape[1]})")
    return labels.astype(np.int64)


def canonical_form(labels) -> CanonicalKey:
    r"""Returns a key shared exactly by the isomorphic multiplex graphs.

    The canonical labels are the lexicographically smallest layer-major
    flattening of ``labels[:, perm][:, :, perm]`` over all particle
    permutations ``perm``, i.e. one relabelling applied to the rows and
    columns of every layer at once. Layers may be directed (non-symmetric);
    diagonal entries, if any, move with their particle.

    Args:
        labels (numpy.ndarray or torch.Tensor): Integer (or boolean) label
            matrices, one per layer, with :math:`N \leq` :obj:`MAX_NUM_NODES`.

    Shapes:
        - **input:** labels :math:`(L, N, N)`
        - **output:** the tuple :obj:`(N, L, flat)` with ``flat`` a tuple of
          :math:`L N^2` ints; keys of different :math:`N` or :math:`L`
          never coincide.
    """
    labels = _check_labels(labels)
    num_layers, num_nodes = labels.shape[:2]
    perms = _permutations(num_nodes)
    permuted = labels[:, perms[:, :, None], perms[:, None, :]]  # [L, P, N, N]
    flat = permuted.transpose(1, 0, 2, 3).reshape(len(perms), -1)
    smallest = flat[np.lexsort(flat.T[::-1])[0]]
    return num_nodes, num_layers, tuple(smallest.tolist())


def _data_to_labels(data: Data) -> np.ndarray:
    edge_index, edge_type = data.edge_index, data.edge_type
    if edge_type.dim() != 2 or edge_type.size(0) != edge_index.size(1):
        raise ValueError(
            f"'edge_type' must have shape [E, L] with E={edge_index.size(1)} "
            f"edges (got {tuple(edge_type.shape)})")
    labels = edge_type.new_zeros(
        (edge_type.size(1), data.num_nodes, data.num_nodes))
    labels[:, edge_index[1], edge_index[0]] = edge_type.t()
    return labels.cpu().numpy()


def isomorphism_classes(
    graphs: Union[np.ndarray, torch.Tensor, Sequence],
) -> Tuple[np.ndarray, List[CanonicalKey]]:
    r"""Assigns every simulation the id of its isomorphism class.

    Class ids number the classes by first occurrence: simulation 0 is in
    class 0, the first simulation not isomorphic to it in class 1, and so
    on. Graphs of different :math:`N` or :math:`L` are never in one class.

    Args:
        graphs: Either an integer array of shape :obj:`[S, L, N, N]`, or a
            sequence (e.g. a
            :class:`~torch_geometric_fnri.datasets.PhysicsSystemDataset`)
            whose items are :obj:`[L, N, N]` arrays or :class:`Data`
            objects with ``edge_index`` and ``edge_type`` of shape
            :obj:`[E, L]` (edge :math:`j \to i` carries ``labels[:, i, j]``;
            pairs without an edge get label 0).

    Returns:
        ``(class_ids, keys)``: an int64 array of shape :obj:`[S]` and the
        list of the :math:`S` canonical keys of :func:`canonical_form`.
    """
    if isinstance(graphs, (np.ndarray, torch.Tensor)) and graphs.ndim != 4:
        raise ValueError(f"'graphs' as one array must have shape "
                         f"[S, L, N, N] (got {tuple(graphs.shape)})")
    keys: List[CanonicalKey] = []
    key_of_raw = {}  # Simulations often repeat the same labelled graph.
    for graph in graphs:
        labels = _check_labels(
            _data_to_labels(graph) if isinstance(graph, Data) else graph)
        raw = (labels.shape, labels.tobytes())
        if raw not in key_of_raw:
            key_of_raw[raw] = canonical_form(labels)
        keys.append(key_of_raw[raw])
    class_of_key = {}
    class_ids = [class_of_key.setdefault(key, len(class_of_key))
                 for key in keys]
    return np.array(class_ids, dtype=np.int64), keys


def class_histogram(class_ids) -> np.ndarray:
    r"""Counts the simulations of every isomorphism class.

    Args:
        class_ids (numpy.ndarray or torch.Tensor): Non-negative integer
            class ids, e.g. from :func:`isomorphism_classes`.

    Shapes:
        - **input:** class_ids :math:`(S)`
        - **output:** :math:`(C)` with :math:`C = \max(\text{class\_ids})
          + 1`; entry :math:`c` counts the simulations of class :math:`c`.
    """
    if isinstance(class_ids, torch.Tensor):
        class_ids = class_ids.detach().cpu().numpy()
    class_ids = np.asarray(class_ids)
    if class_ids.ndim != 1 or not np.issubdtype(class_ids.dtype, np.integer):
        raise ValueError(f"'class_ids' must be a 1-D integer array (got "
                         f"shape {class_ids.shape}, dtype {class_ids.dtype})")
    if class_ids.size and class_ids.min() < 0:
        raise ValueError("'class_ids' must be non-negative")
    return np.bincount(class_ids)


def isomorphism_leakage(train_keys: Sequence[Hashable],
                        test_keys: Sequence[Hashable]) -> IsomorphismLeakage:
    r"""Measures how much of a test set repeats the train set's classes.

    Args:
        train_keys (sequence): Per train simulation, its canonical key (or
            any hashable class identifier shared with ``test_keys``).
        test_keys (sequence): The same for the (non-empty) test set.

    Returns:
        :class:`IsomorphismLeakage` with the share of test simulations
        whose class occurs in training and the distinct class counts.
    """
    if len(test_keys) == 0:
        raise ValueError("'test_keys' must not be empty")
    train_classes, test_classes = set(train_keys), set(test_keys)
    leaked = sum(key in train_classes for key in test_keys)
    return IsomorphismLeakage(
        fraction=leaked / len(test_keys),
        num_train_classes=len(train_classes),
        num_test_classes=len(test_classes),
        num_shared_classes=len(train_classes & test_classes),
    )


def isomorphism_disjoint_split(
    keys: Sequence[Hashable],
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
) -> Tuple[np.ndarray, ...]:
    r"""Splits simulations so that no isomorphism class is in two splits.

    Classes are visited in a random order drawn from ``seed`` (a
    permutation of their first-occurrence order, so the result does not
    depend on hashing) and each goes whole to the split furthest below its
    target size :math:`f_k S` (ties to the earlier split). Sizes therefore
    match the fractions up to about one class; a split with fraction 0
    stays empty.

    Args:
        keys (sequence): Per simulation, its canonical key or class id.
        fractions (sequence of float, optional): Non-negative split shares
            summing to 1, e.g. (train, valid, test).
            (default: :obj:`(0.8, 0.1, 0.1)`)
        seed (int, optional): Seed of the class order. (default: :obj:`0`)

    Returns:
        One sorted int64 index array per fraction.
    """
    fractions = np.asarray(fractions, dtype=np.float64)
    if (fractions.ndim != 1 or fractions.size == 0 or (fractions < 0).any()
            or not math.isclose(fractions.sum(), 1.0, abs_tol=1e-6)):
        raise ValueError(f"'fractions' must be non-negative and sum to 1 "
                         f"(got {fractions.tolist()})")
    members = {}
    for index, key in enumerate(keys):
        members.setdefault(key, []).append(index)
    groups = list(members.values())
    targets = fractions * len(keys)
    sizes = np.zeros(len(fractions))
    splits: List[List[int]] = [[] for _ in fractions]
    for group in np.random.default_rng(seed).permutation(len(groups)):
        split = int(np.argmax(targets - sizes))
        splits[split].extend(groups[group])
        sizes[split] += len(groups[group])
    return tuple(np.array(sorted(split), dtype=np.int64) for split in splits)
