import json
import warnings

import numpy as np
import pytest
import torch
from torch_geometric.data import Batch

from torch_geometric_fnri import infer
from torch_geometric_fnri.datasets import PhysicsSystemDataset
from torch_geometric_fnri.metrics import MissedPairs
from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import (
    TrainConfig,
    Trainer,
    load_trained,
    simulation_graph,
)
from torch_geometric_fnri.training.edge_evaluation import (
    EdgeEvaluation,
    identity_mapping,
)
from torch_geometric_fnri.transforms import (
    KNNCandidateGraph,
    RadiusCandidateGraph,
)
from torch_geometric_fnri.utils import find_edges

SIZES = dict(system='springs_charges', num_simulations=(16, 8, 8),
             num_particles=6, num_frames=13, sample_freq=10, seed=0,
             log=False)
#: The encoder reads frames 0-5 of 13.
CANDIDATES = KNNCandidateGraph(2, frames=slice(0, 6))


@pytest.fixture(scope='module')
def splits():
    return tuple(PhysicsSystemDataset(None, split=split, **SIZES)
                 for split in ('train', 'valid', 'test'))


def _model():
    torch.manual_seed(0)
    return build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                       symmetric=True)


def _config(**kwargs):
    return TrainConfig(epochs=2, batch_size=8, prediction_steps=3,
                       accuracy_batch_size=4, progress=False, seed=1,
                       **kwargs)


@pytest.fixture(scope='module')
def knn_run(tmp_path_factory, splits):
    run_dir = tmp_path_factory.mktemp('knn') / 'run'
    trainer = Trainer(_model(), _config(), *splits, run_dir=str(run_dir),
                      candidate_graph=CANDIDATES)
    result = trainer.fit()
    trainer.close()
    return run_dir, trainer, result


def test_the_trainer_applies_and_records_its_candidate_graph(knn_run,
                                                             splits):
    run_dir, trainer, result = knn_run
    assert trainer.candidate_graph is CANDIDATES
    assert trainer.run_record['candidate_graph'] == CANDIDATES.config
    with open(run_dir / 'config.json') as f:
        assert json.load(f)['run']['candidate_graph'] == {
            'class': 'KNNCandidateGraph',
            'arguments': {'k': 2, 'frames': [0, 6, None], 'symmetric': True,
                          'position_features': [0, 1]}}
    test = [CANDIDATES(splits[2][i]) for i in range(len(splits[2]))]
    assert all(torch.equal(trainer.test_dataset[i].edge_index,
                           test[i].edge_index) for i in range(len(test)))
    # The share of the test split's interactions outside the candidate
    # graphs, from the records of the graphs.
    missed = MissedPairs.total(MissedPairs.read(data) for data in test)
    labels = torch.cat([data.edge_type for data in test])
    for layer, name in enumerate(trainer.layer_names):
        interacting = int((labels[:, layer] != 0).sum())
        share = missed.interactions[layer] / (
            interacting + missed.interactions[layer])
        assert result['test'][f'missed_share_{name}'] == pytest.approx(
            share)
        assert 0 < share < 1
    # Scored on all 30 pairs of the 8 test simulations.
    assert missed.pairs + labels.size(0) == 8 * 30


def test_save_load_infer_round_trip_on_the_candidate_graph(knn_run, splits,
                                                           tmp_path):
    run_dir, trainer, result = knn_run
    run = load_trained(str(run_dir))
    assert run.candidate_graph.config == CANDIDATES.config
    test = splits[2]
    graphs = run.infer_graphs(test, batch_size=3)
    on_graph = run.on_candidate_graph(test)
    sizes = [data.edge_index.size(1) for data in on_graph]
    assert graphs['edge_ptr'].tolist() == np.cumsum([0] + sizes).tolist()
    assert graphs['edge_index'].shape == (2, sum(sizes))
    assert [p.shape for p in graphs['probabilities']] == [(sum(sizes), 2)] * 2
    assert graphs['edge_type'].shape == (sum(sizes), 2)
    for index, data in enumerate(on_graph):
        graph = simulation_graph(graphs, index)
        assert torch.equal(graph['edge_index'], data.edge_index)
        assert graph['predicted'].shape == (sizes[index], 2)
    # The same metrics as the trainer's test, over all pairs.
    accuracy = infer.edge_accuracy(run, graphs, on_graph)
    for key in ('acc_combined', 'acc_charges', 'auroc_ideal_springs',
                'f1_charges', 'missed_share_charges'):
        name = key[len('acc_'):] if key.startswith('acc_') else key
        assert accuracy[name] == pytest.approx(result['test'][key],
                                               nan_ok=True), key
    # Data already on the run's candidate graph are taken as they are;
    # data on another one are refused.
    again = run.infer_graphs(on_graph, batch_size=8)
    assert torch.equal(again['predicted'], graphs['predicted'])
    other = [RadiusCandidateGraph(0.5, frames=0)(test[i])
             for i in range(len(test))]
    with pytest.raises(ValueError, match=r'simulation 0 has [0-9]+ edges, '
                       r'neither all 30 pairs nor the run\'s candidate '
                       r'graph \(KNNCandidateGraph\(k=2.*give the data '
                       r'fully connected'):
        run.infer_graphs(other)


def test_command_line_puts_new_data_on_the_candidate_graph(knn_run, splits,
                                                           tmp_path, capsys):
    run_dir, _, result = knn_run
    run = load_trained(str(run_dir))
    test = splits[2]
    features = torch.stack([test[i].x for i in range(len(test))])
    edges = np.zeros((len(test), 2, 6, 6), dtype=np.int64)
    for e, (sender, receiver) in enumerate(test[0].edge_index.t().tolist()):
        edges[:, :, receiver, sender] = torch.stack(
            [test[i].edge_type[e] for i in range(len(test))]).numpy()
    data = tmp_path / 'systems.npz'
    np.savez(data, features=run.normalizer.denormalize(features.numpy()),
             edges=edges)
    out = tmp_path / 'out'
    assert infer.main([str(run_dir), str(data), '--out', str(out),
                       '--max-systems', '2', '--no-plots']) == 0
    with open(out / 'summary.json') as f:
        summary = json.load(f)
    assert summary['candidate_graph'] == CANDIDATES.config
    accuracy = summary['edge_accuracy']
    assert accuracy['combined'] == pytest.approx(
        result['test']['acc_combined'])
    assert accuracy['missed_share_ideal_springs'] == pytest.approx(
        result['test']['missed_share_ideal_springs'])
    with np.load(out / 'graphs.npz') as arrays:
        edge_ptr = arrays['edge_ptr']
        assert edge_ptr.shape == (9, )
        assert arrays['edge_index'].shape[1] == edge_ptr[-1]
        assert arrays['probabilities_1'].shape == (edge_ptr[-1], 2)
    with open(out / 'graphs.json') as f:
        systems = json.load(f)['systems']
    assert [len(s['edges']) for s in systems] == np.diff(edge_ptr).tolist()
    assert 'interactions outside the candidate graph KNNCandidateGraph' \
        in capsys.readouterr().out


def test_the_trainer_finds_the_candidate_graph_of_its_datasets(splits):
    own = [PhysicsSystemDataset(None, split=split, transform=CANDIDATES,
                                **SIZES) for split in ('train', 'valid')]
    trainer = Trainer(_model(), _config(), *own)
    assert trainer.candidate_graph is CANDIDATES
    assert trainer.run_record['candidate_graph'] == CANDIDATES.config
    assert 'valid_missed_share_charges' in trainer.validate()
    # The trainer's own candidate graph besides: refused.
    with pytest.raises(ValueError, match=r"'train_dataset' applies a "
                       r"candidate graph itself.*give the candidate graph "
                       r"once"):
        Trainer(_model(), _config(), *own, candidate_graph=CANDIDATES)
    with pytest.raises(ValueError, match='the splits have different '
                       'candidate graphs'):
        Trainer(_model(), _config(), own[0], splits[1])
    # Graphs put on a candidate graph beforehand, with no transform that
    # says which: the run cannot store it.
    listed = [[CANDIDATES(split[i]) for i in range(len(split))]
              for split in splits[:2]]
    with pytest.warns(UserWarning, match='the run does not store it'):
        trainer = Trainer(_model(), _config(), *listed)
    assert trainer.candidate_graph is None
    assert 'valid_missed_share_layer_1' in trainer.validate()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        Trainer(_model(), _config(), *splits)  # Fully connected: silent.


def test_the_trainer_refuses_bad_candidate_graphs(splits):
    with pytest.raises(TypeError, match="'candidate_graph' must be a "
                       "CandidateGraph"):
        Trainer(_model(), _config(), *splits, candidate_graph=lambda d: d)
    with pytest.raises(ValueError, match=r'reads frames 6\.\.12 but the '
                       r'encoder sees frames 0\.\.5.*slice\(0, 6\)'):
        Trainer(_model(), _config(), *splits,
                candidate_graph=KNNCandidateGraph(2, frames=slice(None)))
    with pytest.raises(ValueError, match='symmetric=True'):
        Trainer(_model(), _config(), *splits, candidate_graph=(
            KNNCandidateGraph(1, frames=0, symmetric=False)))


def test_evaluation_on_candidate_graphs_equals_the_dense_oracle(splits):
    # The same encoder outputs scored through candidate graphs equal the
    # dense scoring with the pairs outside them predicted "no interaction"
    # with certainty (class 0 of both factors, probability 1).
    model = _model()
    dense = [splits[2][i] for i in range(len(splits[2]))]
    sparse = [CANDIDATES(data) for data in dense]
    dense_batch, sparse_batch = (Batch.from_data_list(graphs)
                                 for graphs in (dense, sparse))
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(dense_batch.edge_index.size(1), 4, generator=gen)
    position = find_edges(dense_batch.edge_index, sparse_batch.edge_index)
    outside = torch.ones(logits.size(0), dtype=torch.bool)
    outside[position] = False
    dense_logits = logits.clone()
    # exp(-1e4) underflows: probability 1 of class 0, exactly.
    dense_logits[outside] = torch.tensor([0.0, -1e4] * 2)
    names = ['ideal_springs', 'charges']
    mapping = identity_mapping(model)
    out = {}
    for key, batch, values in (('dense', dense_batch, dense_logits),
                               ('sparse', sparse_batch, logits[position])):
        evaluation = EdgeEvaluation(model, names, 4, torch.device('cpu'))
        evaluation.update(values, model.predict_edge_types(values),
                          batch.edge_type, batch)
        out[key] = evaluation.compute(mapping)
    assert set(out['sparse']) - set(out['dense']) == {
        'missed_share_ideal_springs', 'missed_share_charges'}
    for key, value in out['dense'].items():
        if key.startswith(('acc_combined', 'acc_ideal', 'acc_charges',
                           'auroc', 'precision', 'recall', 'f1')):
            assert out['sparse'][key] == pytest.approx(value, abs=1e-12), key
