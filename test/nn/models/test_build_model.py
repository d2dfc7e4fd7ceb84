import pytest
import torch

from torch_geometric_fnri.nn import build_model

TABLE_3 = {  # (variant, label layers): (encoder, decoder)
    ('nri', (2, 2)): (710660, 406020),
    ('fnri', (2, 2)): (710660, 406020),
    ('fnri', (2, 2, 2)): (711174, 542212),
    ('sfnri', (2, 2)): (710146, 269828),
    ('nri', (2, 2, 2)): (711688, 678404),
    ('sfnri', (2, 2, 2)): (710403, 337924),
}


def _count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('key', list(TABLE_3))
def test_parameter_counts_match_paper(key):
    variant, layers = key
    model = build_model(variant, list(layers))
    assert (_count(model.encoder), _count(model.decoder)) == TABLE_3[key]


def test_nri_k2_cnn_rnn_counts():
    model = build_model('nri', [2], encoder='cnn', decoder='rnn')
    assert _count(model.encoder) == 933379
    assert _count(model.decoder) == 727300


def test_build_model_errors():
    with pytest.raises(ValueError, match="'variant'"):
        build_model('vae', [2, 2])
    with pytest.raises(ValueError, match="'encoder'"):
        build_model('fnri', [2, 2], encoder='gru')
    with pytest.raises(ValueError, match="'decoder'"):
        build_model('fnri', [2, 2], decoder='lstm')
    with pytest.raises(ValueError, match='binary label layers'):
        build_model('sfnri', [3, 2])
    with pytest.raises(ValueError, match="'tau'"):
        build_model('fnri', [2, 2], tau=-1.0)
