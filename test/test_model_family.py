import pytest

from torch_geometric_fnri.nn import (
    MODEL_FAMILIES,
    ModelFamily,
    build_model,
    get_model_family,
)


def test_names_and_lookup():
    assert MODEL_FAMILIES == ('nri', 'fnri', 'sfnri')
    for name in MODEL_FAMILIES:
        family = get_model_family(name)
        assert isinstance(family, ModelFamily) and family.name == name
        assert family.accuracy_family == name
    with pytest.raises(ValueError, match=r"'family' must be one of "
                       r"\['nri', 'fnri', 'sfnri'\] \(got 'gnn'\)"):
        get_model_family('gnn')


@pytest.mark.parametrize('name,layers,edge_types,heads,pred', [
    ('nri', [2, 2], [4], [4], [4]),
    ('nri', [2, 3, 2], [12], [12], [12]),
    ('fnri', [2, 3], [2, 3], [2, 3], [2, 3]),
    ('sfnri', [2, 2, 2], [3], [1, 1, 1], [2, 2, 2]),
])
def test_edge_types_heads_and_predicted_classes(name, layers, edge_types,
                                                heads, pred):
    family = get_model_family(name)
    assert family.model_edge_types(layers) == edge_types
    assert family.encoder_heads(layers) == heads
    assert family.pred_num_classes(layers) == pred
    model = build_model(name, layers, num_timesteps=6, hidden_channels=8)
    assert model.family is family
    assert model.model_edge_types == edge_types
    assert model.pred_num_classes == pred


def test_loss_terms_sampler_and_options():
    nri, fnri, sfnri = (get_model_family(name) for name in MODEL_FAMILIES)
    assert [f.has_kl for f in (nri, fnri, sfnri)] == [True, True, False]
    assert [f.sampler_mode for f in (nri, fnri, sfnri)] == [
        'gumbel', 'gumbel', 'sigmoid']
    non_edge = [f.has_non_edge for f in (nri, fnri, sfnri)]
    assert non_edge == [True, True, False]
    split_heads = [f.has_split_heads for f in (nri, fnri, sfnri)]
    assert split_heads == [False, True, True]
    sfnri.check_num_edge_types([2, 2])
    with pytest.raises(ValueError, match=r"'sfnri' needs binary label "
                       r"layers \(got num_edge_types=\[2, 3\]\)"):
        sfnri.check_num_edge_types([2, 3])
    fnri.check_num_edge_types([2, 3])


def test_identity_mapping():
    assert get_model_family('nri').identity_mapping([2, 3]) == {
        'family': 'nri', 'class_map': [0, 1, 2, 3, 4, 5]}
    assert get_model_family('fnri').identity_mapping([2, 3]) == {
        'family': 'fnri', 'factor_of_layer': [0, 1],
        'label_maps': [[0, 1], [0, 1, 2]]}
    assert get_model_family('sfnri').identity_mapping([2, 2]) == {
        'family': 'sfnri', 'factor_of_layer': [0, 1],
        'label_maps': [[0, 1], [0, 1]]}


@pytest.mark.parametrize('decoder,skip_first,expected', [
    ('mlp', True, True),
    ('mlp', False, False),
    ('rnn', True, True),
    ('static', True, False),
])
def test_skip_first_is_a_model_property(decoder, skip_first, expected):
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                        decoder=decoder, skip_first=skip_first)
    assert model.skip_first is expected
    # sfNRI's factors have no non-edge type: it never skips.
    sfnri = build_model('sfnri', [2, 2], num_timesteps=6, hidden_channels=8,
                        decoder=decoder, skip_first=skip_first)
    assert sfnri.skip_first is False
