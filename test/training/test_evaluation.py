import itertools

import pytest
import torch
from torch_geometric.loader import DataLoader

from torch_geometric_fnri.metrics import per_batch_optimal_accuracy
from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import (
    TrainConfig,
    evaluate,
    reference_batch_search,
)

JOINT = {'family': 'nri', 'allow_label_permutation': True}
LAYER_ORDER = {'family': 'fnri', 'allow_label_permutation': False}


@pytest.mark.parametrize('family,layers,decoder,skip_first,expected', [
    ('nri', [2, 2], 'mlp', True, JOINT),
    ('nri', [2, 2], 'mlp', False, JOINT),
    ('fnri', [2, 2], 'mlp', True, LAYER_ORDER),
    ('fnri', [2, 2, 2], 'rnn', True, LAYER_ORDER),
    ('fnri', [2, 2], 'mlp', False, JOINT),
    ('fnri', [3, 2], 'mlp', True, JOINT),
    ('fnri', [2, 2], 'static', True, JOINT),
    ('sfnri', [2, 2], 'mlp', True,
     {'family': 'sfnri', 'allow_label_permutation': False}),
])
def test_reference_batch_search(family, layers, decoder, skip_first,
                                expected):
    model = build_model(family, layers, num_timesteps=6, hidden_channels=8,
                        decoder=decoder, skip_first=skip_first)
    assert reference_batch_search(model) == expected


def _layer_order_oracle(pred, target):
    # The reference's skip-first fNRI accuracy of one batch: the first
    # layer order (lexicographic) with the most edges right in every layer.
    best = None
    for order in itertools.permutations(range(target.size(1))):
        right = pred[:, list(order)] == target
        combined = right.all(-1).double().mean().item()
        if best is None or combined > best[0]:
            best = (combined, right.double().mean(0).tolist())
    return best


def test_batch_optimal_accuracy_is_the_reference_search(tiny_splits):
    torch.manual_seed(0)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    model.eval()
    valid = tiny_splits[1]
    config = TrainConfig(prediction_steps=3, accuracy_batch_size=4)
    encoder_frames, decoder_frames = config.frame_split.test_slices(13)
    out = evaluate(model, DataLoader(valid, batch_size=8), config,
                   encoder_frames, decoder_frames,
                   layer_names=['springs', 'charges'])

    # Dense oracle: one graph at a time, groups of 4 graphs.
    pairs = []
    with torch.no_grad():
        for data in valid:
            logits = model.encode(data.x[:, encoder_frames], data.edge_index)
            pairs.append((model.predict_edge_types(logits), data.edge_type))
    groups = [[torch.cat(parts) for parts in zip(*pairs[i:i + 4])]
              for i in range(0, len(pairs), 4)]
    assert len(groups) == 2
    oracle = [_layer_order_oracle(pred, target) for pred, target in groups]
    combined = sum(o[0] for o in oracle) / len(oracle)
    assert out['acc_batch_optimal_combined'] == pytest.approx(combined)
    for layer, name in enumerate(['springs', 'charges']):
        expected = sum(o[1][layer] for o in oracle) / len(oracle)
        assert out[f'acc_batch_optimal_{name}'] == pytest.approx(expected)
    # Flipping labels within a layer would score higher on these batches:
    # the oracle pins type 0 as the non-edge, as the reference does.
    permissive = per_batch_optimal_accuracy(groups, [2, 2], [2, 2], 'fnri')
    assert permissive['combined'] > combined


@pytest.mark.parametrize('bad', [float('inf'), float('nan')])
def test_non_finite_trajectories_raise(tiny_splits, bad):
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    graphs = [tiny_splits[2][i] for i in range(4)]
    graphs[2] = graphs[2].clone()
    graphs[2].x[1, 9, 0] = bad  # One value in a decoder frame.
    loader = DataLoader(graphs, batch_size=4)
    config = TrainConfig(batch_size=4, prediction_steps=3)
    with pytest.raises(ValueError, match=r'non-finite.*first node indices: '
                       r'\[7\]'):
        evaluate(model, loader, config, slice(0, 6), slice(7, 13))
