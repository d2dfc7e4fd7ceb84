import json

import pytest
import torch

from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import (
    TrainConfig,
    Trainer,
    evaluate,
    symmetry_ensemble_logits,
)
from torch_geometric_fnri.training.augmentation import feature_box_symmetries
from torch_geometric_fnri.training.loaders import make_loader

ENC = slice(0, 6)

# The dihedral group of the square written out for the oracle: x' = R x.
ORACLE_MATRICES = [
    [[1, 0], [0, 1]], [[0, -1], [1, 0]], [[-1, 0], [0, -1]],
    [[0, 1], [-1, 0]], [[1, 0], [0, -1]], [[-1, 0], [0, 1]],
    [[0, 1], [1, 0]], [[0, -1], [-1, 0]],
]


def _model(family='fnri'):
    torch.manual_seed(0)
    return build_model(family, [2, 2], num_timesteps=6,
                       hidden_channels=8).eval()


def _oracle_view(x, matrix, centers):
    # Applies `matrix` to (x, y) and (vx, vy) about their centres.
    out = x.clone()
    m = torch.tensor(matrix, dtype=x.dtype)
    for (i, j), c in zip(((0, 1), (2, 3)), centers):
        v = x[..., [i, j]] - c
        out[..., i] = m[0, 0] * v[..., 0] + m[0, 1] * v[..., 1] + c
        out[..., j] = m[1, 0] * v[..., 0] + m[1, 1] * v[..., 1] + c
    return out


@pytest.mark.parametrize('family', ['nri', 'fnri', 'sfnri'])
def test_the_ensemble_is_the_mean_over_the_eight_views(tiny_splits,
                                                       first_batch, family):
    model = _model(family)
    batch = first_batch(tiny_splits[1])
    symmetries = feature_box_symmetries(tiny_splits[0].stats, 4, 'test')
    x = batch.x[:, ENC]
    with torch.no_grad():
        logits = symmetry_ensemble_logits(model, x, batch.edge_index,
                                          batch.batch, symmetries)
        oracle = sum(model.encode(_oracle_view(x, m, symmetries.centers),
                                  batch.edge_index, batch.batch)
                     for m in ORACLE_MATRICES) / 8
        plain = model.encode(x, batch.edge_index, batch.batch)
    assert logits.shape == (batch.edge_index.size(1), model.sampler.width)
    assert torch.allclose(logits, oracle, atol=1e-6)
    assert not torch.allclose(logits, plain, atol=1e-3)


def test_the_ensemble_is_invariant_to_the_symmetries(tiny_splits,
                                                     first_batch):
    # The eight views of g x are those of x in another order.
    model = _model()
    batch = first_batch(tiny_splits[1])
    symmetries = feature_box_symmetries(tiny_splits[0].stats, 4, 'test')
    x = batch.x[:, ENC]
    with torch.no_grad():
        logits = symmetry_ensemble_logits(model, x, batch.edge_index,
                                          batch.batch, symmetries)
        for matrix in ORACLE_MATRICES[1:]:
            moved = _oracle_view(x, matrix, symmetries.centers)
            assert torch.allclose(
                symmetry_ensemble_logits(model, moved, batch.edge_index,
                                         batch.batch, symmetries),
                logits, atol=1e-5)


def test_the_trainer_tests_the_ensemble_beside_the_encoder(tiny_splits):
    config = TrainConfig(epochs=1, batch_size=8, prediction_steps=2,
                         accuracy_batch_size=4, progress=False,
                         symmetry_ensemble=True)
    assert TrainConfig.from_dict(json.loads(config.to_json())) == config
    model = _model()
    trainer = Trainer(model, config, *tiny_splits)
    results = trainer.fit()
    for split in ('valid', 'test'):
        out = results[f'{split}_symmetrised']
        assert set(results[split]) <= set(out) | {'edge_mapping'}
        assert out['seconds'] > 0
    # The same figures as evaluate() with the symmetries, the mapping
    # fitted on the ensemble's validation.
    symmetries = feature_box_symmetries(tiny_splits[0].stats, 4, 'test')
    frames = config.frame_split.test_slices(13)
    valid = evaluate(model, make_loader(tiny_splits[1], 8, False), config,
                     *frames, layer_names=trainer.layer_names,
                     symmetries=symmetries)
    test = evaluate(model, make_loader(tiny_splits[2], 8, False), config,
                    *frames, layer_names=trainer.layer_names,
                    mapping=valid['edge_mapping'], symmetries=symmetries)
    assert results['test_symmetrised']['acc_combined'] == \
        test['acc_combined']
    assert 'test_symmetrised' not in Trainer(
        _model(), TrainConfig(epochs=1, batch_size=8, prediction_steps=2,
                              progress=False), *tiny_splits).fit()


def test_bad_symmetry_ensemble_settings_raise(tiny_splits):
    from torch_geometric.data import Data
    with pytest.raises(TypeError, match="'symmetry_ensemble' must be a bool"):
        TrainConfig(symmetry_ensemble=1)
    with pytest.raises(ValueError, match="the 'true_graph' mode has none"):
        TrainConfig(mode='true_graph', symmetry_ensemble=True)
    three = [Data(x=d.x[..., :3], edge_index=d.edge_index,
                  edge_type=d.edge_type) for d in tiny_splits[0]]
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                        in_channels=3)
    with pytest.raises(ValueError, match=r"'symmetry_ensemble' needs "
                       r"\(x, y, vx, vy\) features"):
        Trainer(model, TrainConfig(symmetry_ensemble=True, progress=False),
                three, three)
