r"""IEEE test grids from the case files of PYPOWER, read as networks of
buses for swing dynamics (see :mod:`~torch_geometric_fnri.datasets.swing`).

PYPOWER (R. W. Lincoln's Python port of MATPOWER; R. D. Zimmerman,
C. E. Murillo-Sánchez and R. J. Thomas, MATPOWER: steady-state operations,
planning and analysis tools for power systems research and education,
IEEE Trans. Power Syst. 26 (1), 12-19, 2011) ships the IEEE 14-, 30-,
57-, 118- and 300-bus test cases and the 39-bus New England system
(:data:`GRID_CASES`). It is an optional dependency: install it with
``pip install 'torch_geometric_fnri[grids]'``; it is imported only when a
grid is loaded.

From a case :func:`load_power_grid` reads, with the buses numbered
:obj:`0, ..., N - 1` in the order of the bus table:

* the **topology**: buses :math:`i \neq j` are adjacent when an
  in-service branch (line or transformer) joins them; parallel branches
  make one edge;
* the **line susceptances** :math:`b_{ij}` (per unit on the case's base
  power), summed over the parallel in-service branches, each branch
  giving :math:`1 / (|x| \tau)` with :math:`x` its series reactance and
  :math:`\tau` its tap ratio (1 for a line): the series susceptance of the
  DC power-flow model (MATPOWER User's Manual, "DC modeling"), which
  neglects resistances and takes every voltage at 1 p.u. The magnitude
  :math:`|x|` matters in one branch only, the series capacitor of
  ``case300`` (:math:`x = -0.3697`): with its negative coupling the
  synchronous state of the swing model is linearly unstable;
* the **net power** :math:`P_i` (per unit): the active power of the
  in-service generators at bus :math:`i` minus its load, with the
  mismatch of the case (losses, dispatch) assigned to the reference
  bus, so that :math:`\sum_i P_i = 0` as a power flow's slack bus does.
  Shunt conductances and reactive power are ignored.

======  =====  ========  =============  ==============
case    buses  branches  adjacent bus   reference bus
                         pairs          (row)
======  =====  ========  =============  ==============
14      14     20        20             0
30      30     41        41             0
39      39     46        46             30
57      57     80        78             0
118     118    186       179            68
300     300    411       409            256
======  =====  ========  =============  ==============
"""
import functools
import hashlib
import importlib
from typing import NamedTuple, Tuple

import numpy as np

#: The PYPOWER cases :func:`load_power_grid` reads.
GRID_CASES: Tuple[str, ...] = ('case14', 'case30', 'case39', 'case57',
                               'case118', 'case300')


def _import_pypower(module: str):
    try:
        return importlib.import_module(f'pypower.{module}')
    except ImportError as error:
        raise ImportError(
            "The power grids need the 'pypower' package: install it with "
            "pip install 'torch_geometric_fnri[grids]'") from error


class PowerGrid(NamedTuple):
    r"""A grid read from a PYPOWER case (read-only arrays, buses in the
    order of the case's bus table).

    Attributes:
        case (str): The case name, e.g. :obj:`'case14'`.
        adjacency (numpy.ndarray): :obj:`[N, N]` float64, 1 where an
            in-service branch joins two buses, symmetric, zero diagonal.
        susceptance (numpy.ndarray): :obj:`[N, N]` float64, the line
            susceptances :math:`b_{ij} > 0` (p.u.) on the edges, 0
            elsewhere.
        net_power (numpy.ndarray): :obj:`[N]` float64, :math:`P_i` (p.u.),
            summing to 0.
        reference_bus (int): The row of the case's reference bus.
        base_mva (float): The base power of the per-unit values (MVA).
    """
    case: str
    adjacency: np.ndarray
    susceptance: np.ndarray
    net_power: np.ndarray
    reference_bus: int
    base_mva: float

    @property
    def num_buses(self) -> int:
        return self.net_power.shape[0]

    @property
    def digest(self) -> str:
        r"""The SHA-256 of the arrays and the reference bus (part of the
        dataset cache key, so that other case data gives another cache)."""
        digest = hashlib.sha256(str(self.reference_bus).encode())
        for array in (self.adjacency, self.susceptance, self.net_power):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def load_power_grid(case: str) -> PowerGrid:
    r"""Reads the topology, line susceptances and balanced net power of a
    PYPOWER case (see the module docstring).

    Args:
        case (str): One of :data:`GRID_CASES`.
    """
    if case not in GRID_CASES:
        raise ValueError(f"'case' must be one of {list(GRID_CASES)} "
                         f"(got {case!r})")
    data = getattr(_import_pypower(case), case)()
    bus_index, branch_index, gen_index = (
        _import_pypower(name) for name in ('idx_bus', 'idx_brch', 'idx_gen'))
    bus, branch, gen = data['bus'], data['branch'], data['gen']
    base_mva = float(data['baseMVA'])
    row = {int(number): index
           for index, number in enumerate(bus[:, bus_index.BUS_I])}
    num_buses = len(row)

    branch = branch[branch[:, branch_index.BR_STATUS] > 0]
    first = np.array([row[int(b)] for b in branch[:, branch_index.F_BUS]])
    second = np.array([row[int(b)] for b in branch[:, branch_index.T_BUS]])
    tap = branch[:, branch_index.TAP]
    tap = np.where(tap == 0, 1.0, tap)
    susceptance = np.zeros((num_buses, num_buses))
    np.add.at(susceptance, (first, second),
              1 / (np.abs(branch[:, branch_index.BR_X]) * tap))
    susceptance = susceptance + susceptance.T
    adjacency = (susceptance != 0).astype(np.float64)

    gen = gen[gen[:, gen_index.GEN_STATUS] > 0]
    net_power = -bus[:, bus_index.PD].astype(np.float64)
    np.add.at(net_power, [row[int(b)] for b in gen[:, gen_index.GEN_BUS]],
              gen[:, gen_index.PG])
    net_power /= base_mva
    reference_bus = int(np.flatnonzero(
        bus[:, bus_index.BUS_TYPE] == bus_index.REF)[0])
    net_power[reference_bus] -= net_power.sum()
    for array in (adjacency, susceptance, net_power):
        array.setflags(write=False)
    return PowerGrid(case, adjacency, susceptance, net_power, reference_bus,
                     base_mva)
