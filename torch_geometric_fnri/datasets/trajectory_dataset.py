r"""In-memory datasets of user trajectories and the reference file importer.
"""
import glob
import os.path as osp
import warnings
import zipfile
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
from torch_geometric.data import Data, InMemoryDataset

from ..transforms import POSITION_VELOCITY_GROUPS, TrajectoryNormalizer
from .trajectory_data import build_data_list, to_features


class TrajectoryDataset(InMemoryDataset):
    r"""An in-memory dataset of trajectory graphs (no files), usually made
    with :func:`from_arrays` or :func:`load_reference_files`.

    Args:
        data_list (list of Data): Graphs with ``x`` :obj:`[N, T, D]`
            (normalised), ``edge_index`` and optional ``edge_type``.
        stats (TrajectoryNormalizer): The normalisation of ``x``.
        num_edge_types (list of int, optional): Classes per label layer.
            (default: :obj:`None`)
        interaction_names (list of str, optional): Names of the label
            layers. (default: :obj:`None`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)
        directed (bool, optional): Whether a label layer is directed (the
            label of :math:`j \to i` differs from that of :math:`i \to j`
            in some simulation), so that a model must not symmetrise its
            edges. (default: :obj:`False`)
    """
    def __init__(
        self,
        data_list: List[Data],
        stats: TrajectoryNormalizer,
        num_edge_types: Optional[List[int]] = None,
        interaction_names: Optional[List[str]] = None,
        transform: Optional[Callable] = None,
        directed: bool = False,
    ):
        super().__init__(None, transform)
        self.stats = stats
        self.num_edge_types = num_edge_types
        self.interaction_names = interaction_names
        self.directed = directed
        self.data, self.slices = self.collate(data_list)


def read_numpy_file(path: str) -> Union[np.ndarray, Dict[str, np.ndarray]]:
    r"""Reads a :obj:`.npy` file (its array) or a :obj:`.npz` file (a
    :obj:`dict` of its arrays). A file that is not readable (truncated,
    empty, another format) or that holds Python objects (never loaded: a
    pickle can run code) raises a :class:`ValueError` that names it and
    says why.

    Args:
        path (str): The file.
    """
    try:
        loaded = np.load(path)
        if isinstance(loaded, np.ndarray):
            return loaded
        with loaded:
            return {name: loaded[name] for name in loaded.files}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as error:
        if 'Object arrays' in str(error):
            reason = ('it holds arrays of Python objects (dtype object), '
                      'which are never loaded (a pickle can run code); save '
                      'numeric arrays')
        elif 'pickle' in str(error):
            reason = ('it is no .npy or .npz file (NumPy could only read it '
                      'as a pickle, which is never loaded: a pickle can run '
                      'code)')
        else:
            reason = (f'it is truncated, empty or damaged '
                      f'({type(error).__name__}: {error}); write it again')
        raise ValueError(f"'{path}' is not a readable NumPy file: {reason}"
                         ) from None


def _is_real(dtype: np.dtype) -> bool:
    return (np.issubdtype(dtype, np.integer)
            or np.issubdtype(dtype, np.floating))


def _as_finite(array, name: str, ndim: int, layout: str) -> np.ndarray:
    try:
        array = np.asarray(array)
    except ValueError:  # A list of arrays of different shapes.
        raise ValueError(
            f"'{name}' must be one array {layout}, but its simulations have "
            f"different shapes (other particle counts?): make one dataset "
            f"per particle count (the others with the first one's stats)"
        ) from None
    if array.ndim != ndim:
        raise ValueError(f"'{name}' must have shape {layout} "
                         f"(got {array.shape})")
    if not _is_real(array.dtype):
        raise ValueError(f"'{name}' must hold real numbers "
                         f"(got {array.dtype})")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"'{name}' must be finite (got NaN or inf)")
    return array


def _check_labels(edges, num_sims: int, num_nodes: int) -> np.ndarray:
    edges = np.asarray(edges)
    if edges.ndim == 3:
        edges = edges[:, None]
    if (edges.ndim != 4 or edges.shape[0] != num_sims
            or edges.shape[2:] != (num_nodes, num_nodes)):
        raise ValueError(f"'edges' must have shape [S, L, N, N] or "
                         f"[S, N, N] with S={num_sims}, N={num_nodes} "
                         f"(got {edges.shape})")
    if not _is_real(edges.dtype):
        raise ValueError(f"'edges' must hold real numbers "
                         f"(got {edges.dtype})")
    if not np.isfinite(edges).all():
        raise ValueError("'edges' must be finite (got NaN or inf)")
    if (edges < 0).any() or (edges != np.round(edges)).any():
        raise ValueError("'edges' must hold non-negative integer class "
                         "labels")
    return edges.astype(np.int64)


def from_arrays(
    loc: Optional[np.ndarray] = None,
    vel: Optional[np.ndarray] = None,
    edges: Optional[np.ndarray] = None,
    *,
    features: Optional[np.ndarray] = None,
    stats: Optional[TrajectoryNormalizer] = None,
    groups: Optional[Sequence[Sequence[int]]] = None,
    num_edge_types: Optional[List[int]] = None,
    interaction_names: Optional[List[str]] = None,
    transform: Optional[Callable] = None,
) -> TrajectoryDataset:
    r"""Turns user arrays into a :class:`TrajectoryDataset` with the layout
    of :class:`PhysicsSystemDataset`.

    Give either ``loc`` and ``vel`` (reference layout) or ``features``.
    Pass the ``stats`` of the training set for validation/test arrays;
    without ``stats`` they are fitted on these arrays (positions and
    velocities share one min/max each; ``features`` use ``groups``, by
    default one min/max per feature). Arrays that are not real and finite,
    or that lie beyond float32 once normalised, raise a
    :class:`ValueError`. Labels that differ between :math:`j \to i` and
    :math:`i \to j` make the dataset :obj:`directed`; an inferred
    ``num_edge_types`` that leaves classes without labels warns.

    Args:
        loc (numpy.ndarray, optional): Positions. (default: :obj:`None`)
        vel (numpy.ndarray, optional): Velocities. (default: :obj:`None`)
        edges (numpy.ndarray, optional): Integer labels per layer indexed
            ``[receiver, sender]``; the diagonal is ignored.
            (default: :obj:`None`)
        features (numpy.ndarray, optional): Node features.
            (default: :obj:`None`)
        stats (TrajectoryNormalizer, optional): The normalisation to apply.
            (default: :obj:`None`)
        groups (sequence of sequence of int, optional): Feature groups for
            fitting :obj:`stats` from ``features``. (default: :obj:`None`)
        num_edge_types (list of int, optional): Classes per label layer;
            inferred as ``max(label) + 1`` (at least 2) if not given.
            (default: :obj:`None`)
        interaction_names (list of str, optional): Layer names.
            (default: :obj:`None`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)

    Shapes:
        - **input:** loc and vel :math:`(S, T, 2, N)`, or features
          :math:`(S, N, T, D)`; edges :math:`(S, L, N, N)` or
          :math:`(S, N, N)`
    """
    if features is not None:
        if loc is not None or vel is not None:
            raise ValueError("Give either 'features' or 'loc' and 'vel', "
                             "not both")
        features = _as_finite(features, 'features', 4, '[S, N, T, D]')
    else:
        if loc is None or vel is None:
            raise ValueError("Give 'loc' and 'vel' (or 'features')")
        loc = _as_finite(loc, 'loc', 4, '[S, T, 2, N]')
        vel = _as_finite(vel, 'vel', 4, '[S, T, 2, N]')
        if loc.shape[2] != 2 or loc.shape != vel.shape:
            raise ValueError(f"'loc' and 'vel' must both have shape "
                             f"[S, T, 2, N] (got {loc.shape} and "
                             f"{vel.shape})")
        features = to_features(loc, vel)
        groups = POSITION_VELOCITY_GROUPS if groups is None else groups
    num_sims, num_nodes = features.shape[:2]
    if num_sims < 1 or num_nodes < 2 or features.shape[2] < 1:
        raise ValueError(f"The trajectories need S >= 1, N >= 2 and T >= 1 "
                         f"(got S={num_sims}, N={num_nodes}, "
                         f"T={features.shape[2]})")
    if stats is None:
        stats = TrajectoryNormalizer.fit(features, groups)
    elif not isinstance(stats, TrajectoryNormalizer):
        raise TypeError(f"'stats' must be a TrajectoryNormalizer "
                        f"(got {type(stats).__name__})")
    features = stats.normalize(features)
    limit = np.finfo(np.float32).max
    if not (np.abs(features) <= limit).all():
        raise ValueError(
            f"the trajectories reach {np.abs(features).max():.3g} once "
            f"normalised, beyond float32 (at most {limit:.3g}), in which "
            f"they are stored: they lie far outside the range of 'stats' "
            f"(other units?)")

    labels = None
    if edges is not None:
        labels = _check_labels(edges, num_sims, num_nodes)
        idx = np.arange(num_nodes)
        labels[:, :, idx, idx] = 0
        num_layers = labels.shape[1]
        if num_edge_types is None:
            num_edge_types = [
                max(2, int(labels[:, layer].max()) + 1)
                for layer in range(num_layers)
            ]
            off_diagonal = ~np.eye(num_nodes, dtype=bool)
            for layer, k in enumerate(num_edge_types):
                values = np.unique(labels[:, layer][:, off_diagonal])
                if k > max(2, values.size):
                    warnings.warn(
                        f"the labels of layer {layer} take {values.size} "
                        f"values ({values[:5].tolist()}"
                        f"{', ...' if values.size > 5 else ''}) but "
                        f"num_edge_types[{layer}] is inferred as {k}, the "
                        f"largest label + 1: labels are class indices "
                        f"0..K-1; pass 'num_edge_types' (the classes of the "
                        f"training data) if some are absent here")
        if len(num_edge_types) != num_layers:
            raise ValueError(f"'num_edge_types' must have one entry per "
                             f"label layer ({num_layers}) "
                             f"(got {num_edge_types})")
        for layer, k in enumerate(num_edge_types):
            if labels[:, layer].max() >= k:
                raise ValueError(f"Labels of layer {layer} must be below "
                                 f"num_edge_types[{layer}]={k}")
    if (interaction_names is not None and labels is not None
            and len(interaction_names) != labels.shape[1]):
        raise ValueError(f"'interaction_names' must have one entry per "
                         f"label layer ({labels.shape[1]}) "
                         f"(got {interaction_names})")
    directed = labels is not None and bool(
        (labels != labels.swapaxes(-1, -2)).any())
    return TrajectoryDataset(build_data_list(features, labels), stats,
                             num_edge_types, interaction_names, transform,
                             directed)


def _reference_path(folder: str, kind: str, split: str,
                    suffix: Optional[str]) -> str:
    if suffix is not None:
        path = osp.join(folder, f'{kind}_{split}{suffix}.npy')
        if not osp.exists(path):
            raise ValueError(f"File not found: '{path}'")
        return path
    path = osp.join(folder, f'{kind}_{split}.npy')
    if osp.exists(path):
        return path
    matches = sorted(glob.glob(osp.join(glob.escape(folder),
                                        f'{kind}_{split}_*.npy')))
    if len(matches) != 1:
        raise ValueError(f"Expected one '{kind}_{split}.npy' or "
                         f"'{kind}_{split}_<suffix>.npy' in '{folder}' "
                         f"(found {[osp.basename(m) for m in matches]}); "
                         f"pass 'suffix'")
    return matches[0]


def _reference_labels(edges: np.ndarray, path: str) -> np.ndarray:
    # Class labels of the reference edges [S, N, N] (NRI) or [S, L, N, N]
    # (fNRI), by a rule that gives every split the same classes.
    if edges.ndim not in (3, 4):
        raise ValueError(f"'{path}': 'edges' files must have shape "
                         f"[S, N, N] (NRI) or [S, L, N, N] (fNRI) "
                         f"(got {edges.shape})")
    off_diagonal = ~np.eye(edges.shape[-1], dtype=bool)
    if edges.ndim == 3:  # NRI: 0/1 springs or -1/+1 charges.
        values = np.unique(edges[:, off_diagonal])
        if not set(values.tolist()) <= {-1, 0, 1}:
            raise ValueError(
                f"'{path}': NRI edges [S, N, N] hold 0/1 (springs) or "
                f"-1/+1 (charges), got the values {values[:10].tolist()}: "
                f"for more classes use the fNRI layout [S, L, N, N] with "
                f"class indices 0, 1, ...")
        return ((edges + 1) / 2).astype(np.int64)
    labels = np.zeros(edges.shape, dtype=np.int64)
    for layer in range(edges.shape[1]):
        layer_edges = edges[:, layer]
        values = np.unique(layer_edges[:, off_diagonal])
        if values.size and values.min() == -1 and set(
                values.tolist()) <= {-1, 1}:  # Charges: -1/+1 to 0/1.
            layer_edges = (layer_edges + 1) / 2
        elif not ((values >= 0) & (values == np.round(values))).all():
            raise ValueError(
                f"'{path}': layer {layer} holds the values "
                f"{values[:10].tolist()}{' ...' if values.size > 10 else ''}"
                f" but fNRI edges [S, L, N, N] hold class indices 0, 1, ... "
                f"(or -1/+1 for charges) per layer; turn continuous "
                f"couplings into classes and use from_arrays")
        labels[:, layer][:, off_diagonal] = layer_edges[:, off_diagonal]
    return labels


def load_reference_files(
    folder: str,
    split: str = 'train',
    suffix: Optional[str] = None,
    stats: Optional[TrajectoryNormalizer] = None,
    transform: Optional[Callable] = None,
) -> TrajectoryDataset:
    r"""Imports a dataset written by the NRI or fNRI generation scripts.

    Reads ``loc_{split}{suffix}.npy``, ``vel_...`` and ``edges_...``
    (:obj:`[S, T, 2, N]` and :obj:`[S, N, N]` or :obj:`[S, L, N, N]`).
    With ``suffix=None`` the fNRI folder style (``loc_train.npy``) is
    tried first, then a unique NRI-style file (``loc_train_springs5.npy``).
    Labels follow the reference loaders: NRI edges (values -1, 0, 1) map to
    :math:`\lfloor (e + 1) / 2 \rfloor` (charges :math:`\pm 1` to 0/1);
    fNRI edges are class indices 0, 1, ... per layer, taken as they are,
    except a layer of :math:`\pm 1` (charges), mapped to 0/1, so that
    every split gets the same classes. Other values (continuous couplings)
    raise a :class:`ValueError`, as do unreadable files (named). The
    normalisation is fitted on the training files unless ``stats`` is
    given.

    Args:
        folder (str): The folder with the ``.npy`` files.
        split (str, optional): ``'train'``, ``'valid'`` or ``'test'``.
            (default: :obj:`'train'`)
        suffix (str, optional): File suffix, e.g. ``'_springs5'``.
            (default: :obj:`None`)
        stats (TrajectoryNormalizer, optional): The normalisation.
            (default: :obj:`None`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)
    """
    if split not in ('train', 'valid', 'test'):
        raise ValueError(f"'split' must be 'train', 'valid' or 'test' "
                         f"(got {split!r})")
    def read(kind: str, split: str) -> np.ndarray:
        path = _reference_path(folder, kind, split, suffix)
        array = read_numpy_file(path)
        if not isinstance(array, np.ndarray) or not _is_real(array.dtype):
            raise ValueError(f"'{path}' must be a .npy file of real numbers")
        return _reference_labels(array, path) if kind == 'edges' else array

    if stats is None:
        features = to_features(
            _as_finite(read('loc', 'train'), 'loc', 4, '[S, T, 2, N]'),
            _as_finite(read('vel', 'train'), 'vel', 4, '[S, T, 2, N]'))
        stats = TrajectoryNormalizer.fit(features, POSITION_VELOCITY_GROUPS)
    return from_arrays(read('loc', split), read('vel', split),
                       read('edges', split), stats=stats,
                       transform=transform)
