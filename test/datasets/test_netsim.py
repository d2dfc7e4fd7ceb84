import math

import numpy as np
import pytest
import torch

from torch_geometric_fnri.datasets import (
    NETSIM_NETWORKS,
    NetSimDataset,
    NetSimSystem,
    simulate_netsim,
)
from torch_geometric_fnri.datasets import netsim
from torch_geometric_fnri.datasets.netsim import (
    balloon_derivatives,
    bold_signal,
)

SMALL = dict(num_simulations=(3, 2, 2), num_frames=4, log=False)


def test_the_networks_are_netsims():
    size, edges = NETSIM_NETWORKS['sim1']
    assert size == 5 and sorted(edges) == [(0, 1), (0, 4), (1, 2), (2, 3),
                                           (3, 4)]
    size, edges = NETSIM_NETWORKS['sim3']
    assert size == 15 and len(edges) == len(set(edges)) == 18
    # Three copies of sim1 and three connections between them.
    for module in range(3):
        assert {(a + 5 * module, b + 5 * module) for a, b in
                NETSIM_NETWORKS['sim1'][1]} <= set(edges)
    assert {(2, 7), (2, 12), (7, 12)} <= set(edges)
    # Labels are [receiver, sender]: 0 -> 1 is labels[1, 0].
    labels = NetSimSystem('sim1').labels()
    assert labels.shape == (1, 5, 5) and labels.sum() == 5
    assert labels[0, 1, 0] == 1 and labels[0, 0, 1] == 0
    system = NetSimSystem()
    assert (system.name, system.num_particles, system.num_edge_types,
            system.directed) == ('netsim_sim3', 15, [2], True)


def test_the_constants_are_the_generators():
    # in_strength = 80 / sum(exp(-k / ddd)) with ddd = 1 / (res * sigma).
    assert netsim.INPUT_LEVEL == pytest.approx(7.613, abs=1e-3)
    assert netsim.INPUT_NOISE == pytest.approx(netsim.INPUT_LEVEL / 20)
    assert (netsim.NEURAL_RATE, netsim.DT, netsim.REPETITION_TIME,
            netsim.NUM_SCANS) == (20.0, 0.005, 3.0, 200)


def test_sampling_draws_the_weights_and_haemodynamics():
    system = NetSimSystem('sim3')
    relabel, weights, balloon = system.sample(np.random.default_rng(0), 400)
    assert relabel.shape == (400, 15) and weights.shape == (400, 15, 15)
    assert balloon.shape == (400, 15, 5)
    assert (np.sort(relabel, 1) == np.arange(15)).all()
    mask = system.labels()[0].astype(bool)
    assert (weights[:, ~mask] == 0).all()
    drawn = weights[:, mask]
    assert drawn.min() == 0.2 and drawn.max() == 0.6  # clipped
    assert drawn.mean() == pytest.approx(0.4, abs=0.005)
    assert balloon.min() >= 0.1
    assert balloon.mean((0, 1)) == pytest.approx(netsim.BALLOON_MEAN,
                                                 abs=0.01)
    # Without the haemodynamic variability tau, alpha and E0 are the means.
    fixed = NetSimSystem('sim3', hrf_covariance_scale=0.0)
    _, _, balloon = fixed.sample(np.random.default_rng(0), 10)
    assert np.allclose(balloon[..., 2:], netsim.BALLOON_MEAN[2:])


def test_the_balloon_rests_and_settles():
    balloon = np.array(netsim.BALLOON_MEAN)
    zero = np.zeros(())
    assert np.allclose(balloon_derivatives(zero, zero, zero, zero, zero,
                                           balloon), 0, atol=1e-15)
    assert bold_signal(zero, zero, balloon[4]) == 0
    # Under a constant neural state the flow settles at 1 + z / gamma,
    # the volume at f^alpha; the BOLD signal turns positive.
    z, s, state = 0.1, 0.0, np.zeros(3)
    for _ in range(int(60 / netsim.DT)):
        ds, *dlog = balloon_derivatives(z, s, *state, balloon)
        s, state = s + netsim.DT * ds, state + netsim.DT * np.array(dlog)
    kappa, gamma, tau, alpha, e0 = balloon
    flow = 1 + z / gamma
    assert math.exp(state[0]) == pytest.approx(flow, rel=1e-4)
    assert math.exp(state[1]) == pytest.approx(flow ** alpha, rel=1e-4)
    assert bold_signal(state[1], state[2], e0) > 0


def test_the_inputs_are_on_a_fifth_of_the_time():
    # Unconnected regions: z follows its own input, whose mean level is
    # the on level times the share of time on, 2.5 / (2.5 + 10).
    system = NetSimSystem('sim1', bold_noise=0.0)
    weights = np.zeros((200, 5, 5))
    balloon = np.tile(np.array(netsim.BALLOON_MEAN), (200, 5, 1))
    out = simulate_netsim(system, weights, balloon,
                          np.random.default_rng(1), num_scans=30)
    level = netsim.INPUT_LEVEL * 2.5 / 12.5 / netsim.NEURAL_RATE
    assert out.neural[..., 5:].mean() == pytest.approx(level, rel=0.05)
    assert out.bold.shape == out.neural.shape == (200, 5, 30)


def test_a_connection_carries_activity_to_its_target():
    # sim1 with its connections against the same regions without them:
    # the neural states of 0 -> 1 correlate only with the connection.
    system = NetSimSystem('sim1')
    _, weights, balloon = system.sample(np.random.default_rng(2), 100)

    def correlation(w):
        z = simulate_netsim(system, w, balloon, np.random.default_rng(3),
                            num_scans=20).neural
        z = z - z.mean(-1, keepdims=True)
        return float(((z[:, 0] * z[:, 1]).sum(-1) / np.sqrt(
            (z[:, 0] ** 2).sum(-1) * (z[:, 1] ** 2).sum(-1))).mean())

    assert correlation(weights) > 0.2
    assert abs(correlation(np.zeros_like(weights))) < 0.05


def test_the_bold_signal_is_processed_as_netsims():
    system = NetSimSystem('sim1')
    _, weights, balloon = system.sample(np.random.default_rng(0), 4)
    out = simulate_netsim(system, weights, balloon,
                          np.random.default_rng(0), num_scans=12)
    assert np.allclose(out.bold.mean(-1), 0)  # demeaned
    unfiltered = simulate_netsim(NetSimSystem('sim1', highpass=False),
                                 weights, balloon, np.random.default_rng(0),
                                 num_scans=12)
    assert not np.allclose(out.bold, unfiltered.bold)
    assert np.array_equal(out.neural, unfiltered.neural)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="'network' must be one of"):
        NetSimSystem('sim2')
    with pytest.raises(ValueError, match="'dt' must divide"):
        NetSimSystem(dt=0.007)
    with pytest.raises(ValueError, match="'neural_rate' must be"):
        NetSimSystem(neural_rate=0)
    with pytest.raises(ValueError, match="'highpass' must be a bool"):
        NetSimSystem(highpass=1)
    system = NetSimSystem('sim1')
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="'weights' must have shape"):
        simulate_netsim(system, np.zeros((2, 5, 4)), np.zeros((2, 5, 5)),
                        rng)
    with pytest.raises(ValueError, match="'balloon' must have shape"):
        simulate_netsim(system, np.zeros((2, 5, 5)), np.zeros((2, 5, 4)),
                        rng)
    with pytest.raises(ValueError, match="'num_scans' must be"):
        simulate_netsim(system, np.zeros((2, 5, 5)), np.ones((2, 5, 5)),
                        rng, num_scans=0)


def test_the_dataset_is_seeded_cached_and_relabelled(tmp_path):
    data = NetSimDataset(str(tmp_path), 'sim1', split='valid', **SMALL)
    assert len(data) == 2 and data.feature_names == ('bold', )
    graph = data[0]
    assert graph.x.shape == (5, 4, 1) and graph.edge_type.shape == (20, 1)
    assert graph.x.abs().max() <= 1.0 + 1e-6
    # Every simulation is sim1 relabelled: five directed connections.
    for graph in data:
        assert int(graph.edge_type.sum()) == 5
    cached = [p.name for p in (tmp_path / 'NetSimDataset').iterdir()]
    assert len(cached) == 1 and cached[0].startswith('netsim_sim1_')
    again = NetSimDataset(str(tmp_path), 'sim1', split='valid', **SMALL)
    memory = NetSimDataset(None, 'sim1', split='valid', **SMALL)
    for a, b, c in zip(data, again, memory):
        assert torch.equal(a.x, b.x) and torch.equal(a.x, c.x)
        assert torch.equal(a.edge_type, c.edge_type)
    # The labelling differs between simulations.
    assert any(not torch.equal(data[0].edge_type, g.edge_type)
               for g in NetSimDataset(None, 'sim1', **SMALL))
    # Other constants or another seed: another cache entry and other data.
    NetSimDataset(str(tmp_path), NetSimSystem('sim1', bold_noise=0.1),
                  split='valid', **SMALL)
    assert len(list((tmp_path / 'NetSimDataset').iterdir())) == 2
    other = NetSimDataset(None, 'sim1', split='valid', seed=7, **SMALL)
    assert not torch.equal(other[0].x, data[0].x)
