import dataclasses

import numpy as np
import pytest

from torch_geometric_fnri.datasets import (
    SYSTEM_NAMES,
    SYSTEMS,
    BernoulliPairs,
    Coulomb,
    DirectedBernoulliPairs,
    FiniteSpring,
    IdealSpring,
    InteractionLayer,
    PhysicsSystem,
    RandomSignCharges,
    UniformCountCharges,
    UniformCountPairs,
    get_system,
)
from torch_geometric_fnri.datasets.graph_sampling import CategoricalPairs

# The registry as documented in the systems module: per layer the force
# law, its parameters and the graph sampler, then loc_std.
DOCUMENTED = {
    'springs': ([(IdealSpring, {'strength': 0.1}, BernoulliPairs(0.5))],
                0.5),
    'charged': ([(Coulomb, {'strength': 1.0}, RandomSignCharges())], 1.0),
    'springs_charges': ([
        (IdealSpring, {'strength': 0.1}, UniformCountPairs()),
        (Coulomb, {'strength': 0.2}, UniformCountCharges()),
    ], 0.5),
    'springs_charges_fsprings': ([
        (IdealSpring, {'strength': 0.1}, UniformCountPairs()),
        (Coulomb, {'strength': 0.2}, UniformCountCharges()),
        (FiniteSpring, {'strength': 0.1, 'rest_length': 1.0},
         UniformCountPairs()),
    ], 0.5),
    'weak_strong_springs_charges': ([
        (IdealSpring, {'strength': 0.1},
         CategoricalPairs((0., .5, 1.), (1 / 3, 1 / 3, 1 / 3))),
        (Coulomb, {'strength': 0.2}, UniformCountCharges()),
    ], 0.5),
    'one_way_springs': ([
        (IdealSpring, {'strength': 0.1}, DirectedBernoulliPairs(0.5)),
    ], 0.5),
    'one_way_springs_charges': ([
        (IdealSpring, {'strength': 0.1}, DirectedBernoulliPairs(0.5)),
        (Coulomb, {'strength': 0.2}, UniformCountCharges()),
    ], 0.5),
}
# The documented layers with more than two classes: (system, layer index)
# -> the coupling value of each class.
CLASS_VALUES = {('weak_strong_springs_charges', 0): (0., .5, 1.)}
# The documented directed layers: (system, layer index).
DIRECTED = {('one_way_springs', 0), ('one_way_springs_charges', 0)}


def test_registry_matches_the_documented_table():
    assert sorted(SYSTEMS) == sorted(DOCUMENTED)
    for name, (layers, loc_std) in DOCUMENTED.items():
        system = get_system(name)
        assert system is SYSTEMS[name] and system.name == name
        assert (system.loc_std, system.vel_norm, system.box_size) == (
            loc_std, 0.5, 5.0)
        assert len(system.layers) == len(layers)
        class_values = [CLASS_VALUES.get((name, index))
                        for index in range(len(layers))]
        for index, (layer, (cls, params, sampler), values) in enumerate(zip(
                system.layers, layers, class_values)):
            assert type(layer.interaction) is cls
            for key, value in params.items():
                assert getattr(layer.interaction, key) == value
            assert layer.sampler == sampler
            assert layer.on_value == 1.0
            assert layer.class_values == values
            assert layer.directed is ((name, index) in DIRECTED)
        assert system.directed is any(n == name for n, _ in DIRECTED)
        assert system.num_edge_types == [
            2 if values is None else len(values) for values in class_values]
        assert system.interaction_names == [
            layer.interaction.name for layer in system.layers]


def test_paper_system_names():
    assert {short: get_system(name).interaction_names
            for short, name in SYSTEM_NAMES.items()} == {
        'I+C': ['ideal_springs', 'charges'],
        'I+C+F': ['ideal_springs', 'charges', 'finite_springs'],
        'springs': ['ideal_springs'],
        'charged': ['charges'],
    }


def test_get_system_passes_a_system_through():
    custom = PhysicsSystem('custom', (InteractionLayer(
        FiniteSpring(strength=0.3, rest_length=2.0), BernoulliPairs(0.2)), ),
        loc_std=2.0, box_size=3.0)
    assert get_system(custom) is custom
    assert custom.interaction_names == ['finite_springs']
    assert custom.num_edge_types == [2]
    with pytest.raises(ValueError, match=r"'system' must be one of \["):
        get_system('custom')
    with pytest.raises(ValueError, match="got None"):
        get_system(None)


@pytest.mark.parametrize('name', sorted(SYSTEMS))
def test_sample_couplings_draws_layers_in_order(name):
    system = get_system(name)
    couplings = system.sample_couplings(np.random.default_rng(0), 3, 4)
    assert couplings.shape == (3, len(system.layers), 4, 4)
    assert couplings.dtype == np.float64
    # The same stream, drawn layer by layer.
    rng = np.random.default_rng(0)
    for index, layer in enumerate(system.layers):
        np.testing.assert_array_equal(couplings[:, index],
                                      layer.sampler(rng, 3, 4))
    again = system.sample_couplings(np.random.default_rng(0), 3, 4)
    other = system.sample_couplings(np.random.default_rng(1), 3, 4)
    assert again.tobytes() == couplings.tobytes()
    assert not np.array_equal(other, couplings)


def test_labels_use_each_layers_on_value():
    system = PhysicsSystem('signs', (
        InteractionLayer(Coulomb(), RandomSignCharges(), on_value=-1.0),
        InteractionLayer(IdealSpring(), BernoulliPairs()),
    ))
    couplings = np.array([[
        [[1., -1., 1.], [-1., 1., 0.5], [1., 0.5, -1.]],
        [[1., 1., 0.], [1., 1., 2.], [0., 2., 1.]],
    ]])
    labels = system.labels(couplings)
    assert labels.dtype == np.int64 and labels.shape == (1, 2, 3, 3)
    # Oracle: label 1 exactly where the coupling equals on_value, never on
    # the diagonal.
    expected = np.zeros((1, 2, 3, 3), dtype=np.int64)
    for layer, on in enumerate((-1.0, 1.0)):
        for i in range(3):
            for j in range(3):
                expected[0, layer, i, j] = int(
                    i != j and couplings[0, layer, i, j] == on)
    np.testing.assert_array_equal(labels, expected)
    assert labels[0, 0].tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 0]]


def test_charged_labels_mark_like_charges():
    system = get_system('charged')
    charges = np.array([1., -1., -1., 1.])
    couplings = (charges[:, None] * charges[None, :])[None, None]
    couplings = couplings * (1 - np.eye(4))
    labels = system.labels(couplings)
    like = (charges[:, None] == charges[None, :]) & ~np.eye(4, dtype=bool)
    np.testing.assert_array_equal(labels[0, 0], like.astype(np.int64))


def test_systems_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_system('springs').box_size = 10.
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_system('springs').layers[0].on_value = 0.


def test_class_values_label_the_index_of_the_coupling():
    system = PhysicsSystem('classes', (
        InteractionLayer(IdealSpring(), BernoulliPairs(),
                         class_values=(-1, 0.25, 3)),
        InteractionLayer(Coulomb(), RandomSignCharges(), on_value=-1.0),
    ))
    assert system.layers[0].class_values == (-1.0, 0.25, 3.0)
    assert system.num_edge_types == [3, 2]
    rng = np.random.default_rng(0)
    couplings = np.stack([
        rng.choice([-1., 0.25, 3.], size=(2, 4, 4)),
        rng.choice([-1., 1.], size=(2, 4, 4)),
    ], axis=1)
    couplings[:, 0, range(4), range(4)] = 7.  # Diagonal: never checked.
    labels = system.labels(couplings)
    assert labels.dtype == np.int64 and labels.shape == (2, 2, 4, 4)
    # Oracle: the position of the coupling in class_values (layer 0), 1
    # where it equals on_value (layer 1), 0 on the diagonal.
    for s in range(2):
        for i in range(4):
            for j in range(4):
                if i == j:
                    assert labels[s, :, i, j].tolist() == [0, 0]
                    continue
                assert labels[s, 0, i, j] == [-1., 0.25, 3.].index(
                    couplings[s, 0, i, j])
                assert labels[s, 1, i, j] == int(couplings[s, 1, i, j] == -1)
    assert set(np.unique(labels[:, 0])) == {0, 1, 2}


def test_class_values_reject_unknown_couplings():
    layer = InteractionLayer(IdealSpring(), BernoulliPairs(),
                             class_values=(0., 0.5, 1.))
    couplings = np.array([[0., 0.5, 0.75], [0.5, 0., 1.], [0.75, 1., 0.]])
    with pytest.raises(ValueError, match=r"one of 'class_values' "
                       r"\(0.0, 0.5, 1.0\) \(got 0.75\)"):
        layer.labels(couplings)
    with pytest.raises(ValueError, match=r"\(got 2.0\)"):
        layer.labels(np.array([[0., 2.], [2., 0.]]))


@pytest.mark.parametrize('class_values', [
    (1., 0.), (0., 0.5, 0.5), (0., ), (), (0., float('nan')),
    (0., float('inf')),
])
def test_bad_class_values_raise(class_values):
    with pytest.raises(ValueError, match="'class_values' must be at least "
                       "two finite numbers in strictly increasing order"):
        InteractionLayer(IdealSpring(), BernoulliPairs(),
                         class_values=class_values)


def test_on_value_and_class_values_are_exclusive():
    with pytest.raises(ValueError, match="either 'on_value' or "
                       "'class_values'"):
        InteractionLayer(IdealSpring(), BernoulliPairs(), on_value=0.5,
                         class_values=(0., 0.5))


def test_layer_repr_is_the_cache_key():
    # The repr of a binary layer is the one it had before class values
    # (so cached datasets keep their keys); other layers show their values.
    binary = InteractionLayer(IdealSpring(), UniformCountPairs())
    assert repr(binary) == (
        "InteractionLayer(interaction=IdealSpring(name='ideal_springs', "
        "strength=0.1), sampler=UniformCountPairs(), on_value=1.0)")
    classes = InteractionLayer(IdealSpring(), UniformCountPairs(),
                               class_values=(0, 1, 2))
    assert repr(classes) == (
        "InteractionLayer(interaction=IdealSpring(name='ideal_springs', "
        "strength=0.1), sampler=UniformCountPairs(), "
        "class_values=(0.0, 1.0, 2.0))")
