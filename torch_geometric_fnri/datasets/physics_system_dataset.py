r"""The simulated physics systems as a cached PyG dataset."""
import hashlib
import json
import os
import os.path as osp
import re
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch_geometric.data import InMemoryDataset

from ..transforms import (
    POSITION_VELOCITY_FEATURES,
    POSITION_VELOCITY_GROUPS,
    TrajectoryNormalizer,
)
from ..utils.atomic_files import (
    atomic_file,
    is_temporary_file,
    write_json_atomic,
)
from ..utils.int_checks import check_int, is_int
from .graph_families import GraphFamily
from .graph_isomorphism import CanonicalKey, isomorphism_classes
from .simulation import (
    DEFAULT_CHUNK_SIZE,
    DT,
    MAX_FORCE,
    MIN_DISTANCE,
    simulate_system,
)
from .systems import get_system
from .trajectory_data import build_data_list, to_features

# What PyG's Dataset stores beside the cache (the repr of the pre_transform
# and pre_filter) and loads without weights_only: checked before it does.
_PYG_RECORDS = ('pre_transform.pt', 'pre_filter.pt')
# The temporary files of earlier versions ('train.pt.tmp<pid>').
_OLD_TEMPORARY = re.compile(r'\.pt\.tmp\d+$')

SPLITS = ('train', 'valid', 'test')
# Bump when the stored format or the simulation changes.
FORMAT_VERSION = 1


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _describe(transform: Callable) -> str:
    # The transform's repr without memory addresses, so that the same
    # function or transform gives the same cache key in every process.
    return re.sub(r' at 0x[0-9a-fA-F]+', '', repr(transform))


class PhysicsSystemDataset(InMemoryDataset):
    r"""Simulated trajectories of interacting particles with their
    ground-truth interaction graphs (NRI springs / charged, fNRI I+C and
    I+C+F; see :mod:`~torch_geometric_fnri.datasets.systems`).

    One simulation is one graph: ``x`` :obj:`[N, T, 4]` float32 (x, y, vx,
    vy scaled to :math:`[-1, 1]` by :attr:`stats`, one min/max for the
    positions and one for the velocities, taken from the training split
    only), the fully connected ``edge_index`` :obj:`[2, N(N-1)]` and
    ``edge_type`` :obj:`[N(N-1), L]` int64 with one column of class
    indices per interaction (0/1 unless the layer has more classes, see
    :attr:`num_edge_types`) in the order of :attr:`interaction_names`.
    With a range of particle counts, each simulation draws its own
    :math:`N` and the graphs differ in size (batch them with
    :class:`torch_geometric.loader.DataLoader`).

    All three splits and the statistics are generated in one
    :meth:`process` (splits draw from independent seed streams, so a split
    does not depend on the sizes of the others) and cached under
    ``root/PhysicsSystemDataset/<system>_<hash>``, the hash covering every
    generation parameter and the :obj:`pre_transform` (its :func:`repr`
    without memory addresses: a function's qualified name, a PyG
    transform's name and arguments; a transform whose :func:`repr` does
    not show what it does needs :obj:`force_reload` when it changes).
    Files are written atomically and listed with
    their SHA-256 in ``manifest.json``, written last; a partial or corrupt
    cache is rebuilt with a warning (also when PyG's ``pre_transform.pt``
    or ``pre_filter.pt`` beside it is unreadable or holds more than plain
    data). A file where a folder of the cache belongs raises a
    :class:`NotADirectoryError`. With ``root=None`` the requested split
    (and the training split, for the statistics) is generated in memory.
    The isomorphism class of every simulation of the split is computed on
    demand by :meth:`isomorphism_classes` and kept beside the cached split.

    Args:
        root (str, optional): The cache root, or :obj:`None` for no files.
        system (str, optional): ``'springs_charges'``,
            ``'springs_charges_fsprings'``, ``'springs'``, ``'charged'``,
            ``'weak_strong_springs_charges'`` or the directed
            ``'one_way_springs'`` and ``'one_way_springs_charges'``.
            (default: :obj:`'springs_charges'`)
        split (str, optional): ``'train'``, ``'valid'`` or ``'test'``.
            (default: :obj:`'train'`)
        num_simulations (tuple or dict, optional): Simulations per split as
            ``(train, valid, test)`` or a dict with those keys; the paper
            uses :obj:`(50000, 10000, 10000)`.
            (default: :obj:`(1000, 200, 200)`)
        num_particles (int or tuple, optional): :math:`N \geq 2`, or a
            pair :obj:`(min, max)` of such ints: each simulation then draws
            :math:`N` uniformly from :obj:`min, ..., max` (inclusive) from
            a seed stream of its own, and the simulations of each
            :math:`N` run together, from a stream of their own, in their
            order of drawing. A pair with :obj:`min == max` is that int.
            (default: :obj:`5`)
        num_frames (int, optional): Saved frames :math:`T`; a trajectory
            takes :math:`(T + 1) f` integration steps.
            (default: :obj:`99`)
        sample_freq (int, optional): Steps :math:`f` between frames.
            (default: :obj:`100`)
        seed (int, optional): The seed. (default: :obj:`42`)
        observation_noise (float, optional): Standard deviation of Gaussian
            noise added to the observed positions and velocities (physical
            units, as the reference generators' ``noise_var``; the
            simulation itself stays exact and the labels are unchanged),
            drawn from a seed stream of its own, before the normalisation is
            fitted. Part of the cache key when not zero.
            (default: :obj:`0.0`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)
        pre_transform (callable, optional): Applied before saving.
            (default: :obj:`None`)
        force_reload (bool, optional): Regenerate even if cached.
            (default: :obj:`False`)
        num_workers (int, optional): Simulation worker processes; does not
            change the data. (default: :obj:`1`)
        log (bool, optional): Print progress while processing.
            (default: :obj:`True`)
        graph (GraphFamily, optional): Draw the graphs of the system's
            spring layers from a random-graph family, e.g.
            :obj:`BarabasiAlbertGraph(m=2)` (see
            :meth:`~torch_geometric_fnri.datasets.PhysicsSystem.on_graph`;
            the family and its parameters are part of the cache key and the
            cache folder is named after ``'<system>_<family>'``).
            (default: :obj:`None`: the system's own graphs)
    """
    #: Features that share one minimum and maximum in :attr:`stats`.
    normalization_groups = POSITION_VELOCITY_GROUPS
    # Resolves the `system` argument (subclasses simulate other systems).
    _get_system = staticmethod(get_system)

    def __init__(
        self,
        root: Optional[str] = None,
        system: str = 'springs_charges',
        split: str = 'train',
        num_simulations: Union[Sequence[int], Dict[str, int]] = (1000, 200,
                                                                 200),
        num_particles: Union[int, Tuple[int, int]] = 5,
        num_frames: int = 99,
        sample_freq: int = 100,
        seed: int = 42,
        observation_noise: float = 0.0,
        transform: Optional[Callable] = None,
        pre_transform: Optional[Callable] = None,
        force_reload: bool = False,
        num_workers: int = 1,
        log: bool = True,
        graph: Optional[GraphFamily] = None,
    ):
        self.system = self._get_system(system)
        if graph is not None:
            self.system = self.system.on_graph(graph)
        if split not in SPLITS:
            raise ValueError(f"'split' must be one of {list(SPLITS)} "
                             f"(got {split!r})")
        self.split = split
        self.num_simulations = self._check_num_simulations(num_simulations)
        self.num_particles = self._check_num_particles(num_particles)
        for name, value, minimum in (('num_frames', num_frames, 1),
                                     ('sample_freq', sample_freq, 1),
                                     ('num_workers', num_workers, 1),
                                     ('seed', seed, 0)):
            check_int(name, value, minimum)
        if isinstance(observation_noise, bool) or not isinstance(
                observation_noise, (int, float)) or not (
                    0 <= observation_noise < float('inf')):
            raise ValueError(f"'observation_noise' must be a finite number "
                             f">= 0 (got {observation_noise!r})")
        self.observation_noise = float(observation_noise)
        self.num_frames = int(num_frames)
        self.sample_freq = int(sample_freq)
        self.seed = int(seed)
        self.num_workers = int(num_workers)

        self._cached = root is not None
        # The split's class ids and distinct keys (isomorphism_classes).
        self._isomorphism = None
        self.pre_transform = pre_transform  # Part of the cache key.
        if root is None:
            super().__init__(None, transform, pre_transform, log=log)
            needed = {'train', split}
            data_lists, self.stats = self._generate(needed)
            self.data, self.slices = self.collate(data_lists[split])
            return

        root = osp.expanduser(osp.normpath(root))
        directory = osp.join(root, *self._cache_subdir())
        for path in (root, osp.dirname(directory), directory):
            if osp.exists(path) and not osp.isdir(path):
                raise NotADirectoryError(
                    f"the dataset cache needs a folder at '{path}', but it "
                    f"is a file: remove or rename it, or pass another root")
        self._check_cache(directory)
        super().__init__(root, transform, pre_transform,
                         force_reload=force_reload, log=log)
        try:
            self._load_split()
        except Exception as error:  # Unreadable although checksums match.
            warnings.warn(f'Could not load the cached dataset in '
                          f"'{self.processed_dir}' ({error}); regenerating")
            self.process()
            self._load_split()

    @staticmethod
    def _check_num_simulations(num_simulations) -> Dict[str, int]:
        if isinstance(num_simulations, dict):
            if set(num_simulations) != set(SPLITS):
                raise ValueError(f"'num_simulations' must have the keys "
                                 f"{list(SPLITS)} "
                                 f"(got {sorted(num_simulations)})")
            counts = [num_simulations[s] for s in SPLITS]
        else:
            counts = list(num_simulations)
            if len(counts) != 3:
                raise ValueError(f"'num_simulations' must be (train, valid, "
                                 f"test) (got {num_simulations!r})")
        for count in counts:
            if not is_int(count) or count < 1:
                raise ValueError(f"'num_simulations' must hold ints >= 1 "
                                 f"(got {num_simulations!r})")
        return {s: int(c) for s, c in zip(SPLITS, counts)}

    @staticmethod
    def _check_num_particles(
            num_particles) -> Union[int, Tuple[int, int]]:
        def is_count(value) -> bool:
            return is_int(value) and value >= 2

        if isinstance(num_particles, (tuple, list)):
            if len(num_particles) != 2 or not all(
                    is_count(n) for n in num_particles):
                raise ValueError(f"'num_particles' as a range must be a "
                                 f"pair (min, max) of ints >= 2 "
                                 f"(got {num_particles!r})")
            low, high = (int(n) for n in num_particles)
            if low > high:
                raise ValueError(f"'num_particles' must be (min, max) with "
                                 f"min <= max (got {num_particles!r})")
            return low if low == high else (low, high)
        if not is_count(num_particles):
            raise ValueError(f"'num_particles' must be an int >= 2 or a "
                             f"pair (min, max) of such ints "
                             f"(got {num_particles!r})")
        return int(num_particles)

    #: Whether the first frame is the initial state: then a trajectory
    #: integrates :math:`(T - 1) f` steps (Kuramoto and swing dynamics);
    #: the particle simulators of the papers integrate :math:`(T + 1) f`
    #: and keep every :math:`f`-th state after the first.
    first_frame_is_initial_state: bool = False

    @property
    def num_steps(self) -> int:
        r"""Integration steps per trajectory: :math:`(T + 1) f`, or
        :math:`(T - 1) f` when :attr:`first_frame_is_initial_state`."""
        extra = -1 if self.first_frame_is_initial_state else 1
        return (self.num_frames + extra) * self.sample_freq

    @property
    def num_edge_types(self) -> List[int]:
        r"""The number of classes of each label layer, from the system's
        layers."""
        return self.system.num_edge_types

    @property
    def interaction_names(self) -> List[str]:
        return self.system.interaction_names

    @property
    def feature_names(self) -> Tuple[str, ...]:
        r"""The name of every feature of a frame, in order."""
        return POSITION_VELOCITY_FEATURES

    @property
    def directed(self) -> bool:
        r"""Whether the system has a directed layer (see
        :attr:`~torch_geometric_fnri.datasets.PhysicsSystem.directed`): the
        label of an edge :math:`j \to i` may then differ from that of
        :math:`i \to j`, so a model must not symmetrise its edges."""
        return self.system.directed

    @property
    def generation_parameters(self) -> dict:
        r"""Every parameter that determines the data (hashed into the cache
        directory)."""
        parameters = {
            'format_version': FORMAT_VERSION,
            'system': repr(self.system),
            'num_simulations': self.num_simulations,
            'num_particles': self.num_particles,
            'num_frames': self.num_frames,
            'sample_freq': self.sample_freq,
            'seed': self.seed,
            **self._simulator_parameters(),
        }
        if self.observation_noise:  # Absent when 0: older keys stay valid.
            parameters['observation_noise'] = self.observation_noise
        if self.pre_transform is not None:
            parameters['pre_transform'] = _describe(self.pre_transform)
        return parameters

    def _simulator_parameters(self) -> dict:
        # The simulator's constants (part of the cache key).
        return {
            'chunk_size': DEFAULT_CHUNK_SIZE,
            'dt': DT,
            'max_force': MAX_FORCE,
            'min_distance': MIN_DISTANCE,
        }

    def _cache_subdir(self) -> List[str]:
        text = json.dumps(self.generation_parameters, sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        return [self.__class__.__name__, f'{self.system.name}_{digest}']

    @property
    def has_process(self) -> bool:
        # Without a root nothing is written: the data is generated in
        # `__init__` instead.
        return self._cached

    @property
    def processed_dir(self) -> str:
        return osp.join(self.root, *self._cache_subdir())

    @property
    def processed_file_names(self) -> List[str]:
        return [f'{s}.pt' for s in SPLITS] + ['stats.json', 'manifest.json']

    def _check_cache(self, directory: str) -> None:
        # Remove a partial or corrupt cache so that `process` runs again.
        names = self.processed_file_names + list(_PYG_RECORDS)
        present = [n for n in names if osp.exists(osp.join(directory, n))]
        if not present:
            return
        problem = None
        manifest_path = osp.join(directory, 'manifest.json')
        if not osp.exists(manifest_path):
            problem = 'incomplete (no manifest)'
        else:
            try:
                with open(manifest_path) as f:
                    manifest = json.load(f)
                for name, digest in manifest['files'].items():
                    path = osp.join(directory, name)
                    if not osp.exists(path) or _sha256(path) != digest:
                        problem = f"'{name}' is missing or corrupt"
                        break
                if (problem is None and manifest['parameters']
                        != json.loads(json.dumps(
                            self.generation_parameters))):
                    problem = 'generated with other parameters'
            except (OSError, ValueError, KeyError, TypeError) as error:
                problem = f'unreadable manifest ({error})'
        for name in sorted(set(present) & set(_PYG_RECORDS)):
            try:
                torch.load(osp.join(directory, name), weights_only=True)
            except Exception:
                problem = problem or f"'{name}' is unreadable"
        if problem is not None:
            warnings.warn(f"Cached dataset in '{directory}' is {problem}; "
                          f"regenerating it")
            for name in present:
                os.remove(osp.join(directory, name))

    def particle_counts(self, split: str) -> np.ndarray:
        r"""The particle count :math:`N` of every simulation of ``split``,
        in dataset order (drawn from the stream
        :obj:`SeedSequence(seed, spawn_key=(split_index, 2))` when
        :obj:`num_particles` is a range; the simulations of count
        :math:`N` are then those of :func:`simulate_system` with the
        stream :obj:`SeedSequence(seed, spawn_key=(split_index, 3, N))`).

        Args:
            split (str): ``'train'``, ``'valid'`` or ``'test'``.

        Shapes:
            - **output:** :math:`(S,)` int64
        """
        size = self.num_simulations[split]
        if isinstance(self.num_particles, int):
            return np.full(size, self.num_particles, dtype=np.int64)
        low, high = self.num_particles
        rng = np.random.default_rng(np.random.SeedSequence(
            self.seed, spawn_key=(SPLITS.index(split), 2)))
        return rng.integers(low, high, size, dtype=np.int64, endpoint=True)

    def _simulate_split(self, split: str) -> list:
        # Simulates one split as groups of equal particle count, in
        # increasing N: [(simulation indices, features [S_N, N, T, 4],
        # labels [S_N, L, N, N])]. One group (with the seed stream of the
        # split) when `num_particles` is an int.
        index = SPLITS.index(split)
        counts = self.particle_counts(split)
        noise = np.random.default_rng(np.random.SeedSequence(
            self.seed, spawn_key=(index, 1)))
        groups = []
        for count in np.unique(counts):
            spawn_key = (index, ) if isinstance(self.num_particles, int) \
                else (index, 3, int(count))
            features, labels = self._simulate_group(
                split, int((counts == count).sum()), int(count),
                np.random.SeedSequence(self.seed, spawn_key=spawn_key), noise)
            groups.append((np.flatnonzero(counts == count), features,
                           labels))
        return groups

    def _simulate_group(self, split: str, size: int, num_particles: int,
                        seed: np.random.SeedSequence,
                        noise: np.random.Generator) -> tuple:
        # Simulates `size` graphs of `num_particles` from the stream `seed`
        # and draws their observation noise from `noise`: (features
        # [S, N, T, D], labels [S, L, N, N]).
        trajectories = simulate_system(
            self.system, size, num_particles, self.num_steps,
            self.sample_freq, seed, num_workers=self.num_workers,
            progress=None if self.log else False,
            desc=f'simulating {split}')
        features = to_features(trajectories.loc, trajectories.vel)
        if self.observation_noise:
            features = features + self.observation_noise * \
                noise.standard_normal(features.shape)
        return features, self.system.labels(trajectories.couplings)

    def _generate(self, splits) -> tuple:
        # Simulates the requested splits; returns their data lists and the
        # normalisation fitted on the training split (over all its graphs).
        groups = {s: self._simulate_split(s) for s in SPLITS if s in splits}
        stats = TrajectoryNormalizer.fit(
            np.concatenate([features.reshape(-1, features.shape[-1])
                            for _, features, _ in groups['train']]),
            self.normalization_groups)
        data_lists = {}
        for split in list(groups):
            data_list = [None] * self.num_simulations[split]
            for indices, features, labels in groups.pop(split):
                graphs = build_data_list(stats.normalize(features), labels)
                for position, data in zip(indices, graphs):
                    data_list[position] = data
            if self.pre_transform is not None:
                data_list = [self.pre_transform(d) for d in data_list]
            data_lists[split] = data_list
        return data_lists, stats

    def process(self) -> None:
        data_lists, stats = self._generate(SPLITS)
        directory = self.processed_dir
        os.makedirs(directory, exist_ok=True)
        manifest_path = osp.join(directory, 'manifest.json')
        if osp.exists(manifest_path):
            os.remove(manifest_path)
        # Temporary files of writes that never finished (a killed process).
        for name in os.listdir(directory):
            if is_temporary_file(name) or _OLD_TEMPORARY.search(name):
                os.remove(osp.join(directory, name))
        files = {}
        for split in SPLITS:
            path = osp.join(directory, f'{split}.pt')
            with atomic_file(path) as tmp:
                self.save(data_lists.pop(split), tmp)
            files[f'{split}.pt'] = _sha256(path)
        stats_path = osp.join(directory, 'stats.json')
        write_json_atomic(stats_path, stats.to_dict(), indent=1)
        files['stats.json'] = _sha256(stats_path)
        write_json_atomic(manifest_path, {
            'parameters': self.generation_parameters,
            'files': files
        }, indent=1)

    def _load_split(self) -> None:
        self.load(osp.join(self.processed_dir, f'{self.split}.pt'))
        with open(osp.join(self.processed_dir, 'stats.json')) as f:
            self.stats = TrajectoryNormalizer.from_dict(json.load(f))

    def isomorphism_classes(self) -> Tuple[np.ndarray, List[CanonicalKey]]:
        r"""The isomorphism class of every simulation: what
        :func:`~torch_geometric_fnri.datasets.isomorphism_classes` returns
        for this dataset's stored labels (before any :obj:`transform`),
        computed once per split.

        With a cache root the result is stored beside the split as
        ``isomorphism_<split>.json`` (written atomically; neither in the
        cache key nor in ``manifest.json``, so an earlier cache gains it on
        first use) and read from there afterwards; a file that does not fit
        the split (another number of simulations, another checksum of
        ``<split>.pt``, unreadable) is recomputed with a warning. In memory
        (:obj:`root=None`) it is computed on the first call and kept. A
        subset (:obj:`dataset[indices]`) gets the classes of its
        simulations, the ids numbered by first occurrence in the subset.

        Returns:
            ``(class_ids, keys)``: an int64 array of shape :obj:`[S]` and
            the list of the :math:`S` canonical keys.
        """
        if self._isomorphism is None:
            self._isomorphism = self._split_isomorphism()
        split_ids, distinct = self._isomorphism
        ids = split_ids[np.asarray(self.indices(), dtype=np.int64)]
        _, first, inverse = np.unique(ids, return_index=True,
                                      return_inverse=True)
        renumbered = np.argsort(np.argsort(first))[inverse.reshape(-1)]
        return (renumbered.astype(np.int64),
                [distinct[class_id] for class_id in ids.tolist()])

    def _split_isomorphism(self) -> Tuple[np.ndarray, List[CanonicalKey]]:
        # The class ids of the whole split and its distinct keys in id
        # order, from the side file when it fits the split, else computed
        # (and stored when there is a cache).
        if self._cached:
            path = osp.join(self.processed_dir,
                            f'isomorphism_{self.split}.json')
            with open(osp.join(self.processed_dir, 'manifest.json')) as f:
                source = json.load(f)['files'][f'{self.split}.pt']
            stored = self._read_isomorphism(path, source)
            if stored is not None:
                return stored
        class_ids, keys = isomorphism_classes(
            [self.get(index) for index in range(self.len())])
        distinct = list(dict.fromkeys(keys))  # Ids number first occurrences.
        if self._cached:
            write_json_atomic(path, {
                'split': self.split,
                'source_sha256': source,
                'class_ids': class_ids.tolist(),
                'keys': [[n, layers, list(flat)]
                         for n, layers, flat in distinct],
            }, indent=0)
        return class_ids, distinct

    def _read_isomorphism(self, path: str, source: str) -> Optional[Tuple]:
        # The stored (class ids, distinct keys), or None (with a warning
        # unless the file is absent) when they do not fit this split.
        if not osp.exists(path):
            return None
        try:
            with open(path) as f:
                stored = json.load(f)
            class_ids = np.asarray(stored['class_ids'], dtype=np.int64)
            distinct = [(int(n), int(layers), tuple(int(v) for v in flat))
                        for n, layers, flat in stored['keys']]
            if stored['source_sha256'] != source:
                problem = f"for another '{self.split}.pt'"
            elif class_ids.shape != (self.len(), ):
                problem = (f'for {class_ids.size} simulations, not '
                           f'{self.len()}')
            elif class_ids.min() < 0 or class_ids.max() >= len(distinct):
                problem = 'inconsistent (class ids without keys)'
            else:
                return class_ids, distinct
        except (OSError, ValueError, KeyError, TypeError) as error:
            problem = f'unreadable ({error})'
        warnings.warn(f"The isomorphism classes in '{path}' are {problem}; "
                      f"recomputing them")
        return None

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.system.name}, '
                f'split={self.split}, {len(self)})')
