import copy

import pytest
import torch

from torch_geometric_fnri.losses import kl_categorical
from torch_geometric_fnri.nn import (
    MLPDecoder,
    MLPEncoder,
    MultiplexEdgeSampler,
    RelationalInference,
    build_model,
)

LABELS = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]])


def _small(family, layers=(2, 2), **kwargs):
    return build_model(family, list(layers), num_timesteps=6,
                       hidden_channels=8, **kwargs)


def test_edge_weight_from_labels():
    fnri = _small('fnri').edge_weight_from_labels(LABELS)
    assert torch.equal(fnri, torch.tensor([[1., 0, 1, 0], [1, 0, 0, 1],
                                           [0, 1, 1, 0], [0, 1, 0, 1]]))
    nri = _small('nri').edge_weight_from_labels(LABELS)
    assert torch.equal(nri, torch.eye(4))  # 2 * spring + charge
    three = _small('nri', (2, 2, 2)).combined_labels(
        torch.tensor([[1, 0, 1], [0, 1, 1]]))
    assert three.tolist() == [5, 3]
    sfnri = _small('sfnri').edge_weight_from_labels(LABELS)
    assert torch.equal(sfnri, LABELS.float())
    with pytest.raises(ValueError, match=r"values in \[0, K_l\)"):
        _small('fnri').edge_weight_from_labels(LABELS + 1)
    with pytest.raises(ValueError, match="'edge_type' must have shape"):
        _small('fnri').edge_weight_from_labels(LABELS[:, :1])


def test_predict_edge_types():
    logits = torch.tensor([[2.0, 0.0, -1.0, 1.0], [0.0, 3.0, 1.0, 0.0]])
    fnri = _small('fnri')
    assert fnri.predict_edge_types(logits).tolist() == [[0, 1], [1, 0]]
    assert fnri.pred_num_classes == [2, 2]
    nri = _small('nri')
    assert nri.predict_edge_types(logits).tolist() == [[0], [1]]
    assert nri.pred_num_classes == [4]
    sfnri = _small('sfnri')
    assert sfnri.predict_edge_types(logits[:, :2]).tolist() == [[1, 0],
                                                                [0, 1]]
    assert sfnri.pred_num_classes == [2, 2]


def test_losses_of_the_wrapper():
    logits = torch.randn(20, 4)
    fnri = _small('fnri')
    probs = torch.cat([logits[:, :2].softmax(-1), logits[:, 2:].softmax(-1)],
                      dim=-1)
    assert torch.allclose(fnri.kl_loss(logits, 5),
                          kl_categorical(probs, [2, 2], 5))
    prior = torch.tensor([0.9, 0.1, 0.8, 0.2])
    expected = (probs * ((probs + 1e-16).log() - prior.log())).sum() / 5
    assert torch.allclose(fnri.kl_loss(logits, 5, prior), expected)
    labels = LABELS.repeat(5, 1)
    ce = torch.nn.functional.cross_entropy
    assert torch.allclose(
        fnri.supervised_loss(logits, labels),
        ce(logits[:, :2], labels[:, 0]) + ce(logits[:, 2:], labels[:, 1]))
    nri = _small('nri')
    assert torch.allclose(nri.supervised_loss(logits, labels),
                          ce(logits, 2 * labels[:, 0] + labels[:, 1]))
    sfnri = _small('sfnri')
    assert sfnri.kl_loss(logits[:, :2], 5) == 0
    bce = torch.nn.functional.binary_cross_entropy
    assert torch.allclose(sfnri.supervised_loss(logits[:, :2], labels),
                          bce(torch.sigmoid(logits[:, :2]), labels.float()))


def test_forward_modes(batch_factory):
    batch = batch_factory([5, 3], num_frames=6)
    for family in ('nri', 'fnri', 'sfnri'):
        model = _small(family)
        pred, logits, z = model(batch.x, batch.edge_index, pred_steps=2)
        assert pred.shape == (8, 5, 4)
        assert logits.shape == z.shape == (26, model.sampler.width)
    model = _small('fnri', hard=True)
    pred, logits, z = model(batch.x, batch.edge_index, pred_steps=2)
    loss = pred.pow(2).sum() + model.kl_loss(logits, batch.num_nodes)
    loss.backward()
    assert model.encoder.lin_out.weight.grad.abs().sum() > 0
    # True-graph decoder on labels.
    labels = torch.randint(0, 2, (26, 2))
    z = model.edge_weight_from_labels(labels)
    assert model.decode(batch.x, batch.edge_index, z, 3).shape == (8, 5, 4)
    static = _small('fnri', decoder='static')
    pred, _, _ = static(batch.x, batch.edge_index, pred_steps=5)
    assert torch.equal(pred, batch.x[:, [0] * 5])


def test_forward_takes_the_batch_of_a_sparse_candidate_graph():
    # On a graph that is not fully connected (rings of 5, 3 and 4 nodes in
    # one batch), forward with batch normalises by the graph sizes as
    # encode with batch does; without it the in-degrees stand in for them.
    from torch_geometric.data import Batch, Data
    torch.manual_seed(0)
    graphs = []
    for n in (5, 3, 4):
        ring = torch.arange(n)
        edge_index = torch.cat([torch.stack([ring, (ring + 1) % n]),
                                torch.stack([(ring + 1) % n, ring])], 1)
        graphs.append(Data(x=torch.randn(n, 6, 4), edge_index=edge_index))
    batch = Batch.from_data_list(graphs)
    model = _small('fnri', symmetric=True).eval()
    expected = model.encode(batch.x, batch.edge_index, batch.batch)
    _, logits, _ = model(batch.x, batch.edge_index, batch.batch,
                         deterministic=True)
    assert torch.equal(logits, expected)
    _, unbatched, _ = model(batch.x, batch.edge_index, deterministic=True)
    assert not torch.allclose(unbatched, expected)


def test_relational_inference_errors():
    enc, dec = MLPEncoder(24, 8, 4), MLPDecoder(4, 8, [2, 2])
    with pytest.raises(ValueError, match="'sampler' must have width 4"):
        RelationalInference(enc, dec, MultiplexEdgeSampler(3), 'nri',
                            [2, 2])
    with pytest.raises(ValueError, match="mode must be 'sigmoid'"):
        RelationalInference(enc, dec, MultiplexEdgeSampler(2), 'sfnri',
                            [2, 2])


@pytest.mark.slow
def test_compile(batch_factory):
    torch.manual_seed(0)
    batch = batch_factory([5, 5], num_frames=6)
    model = _small('fnri', skip_first=True).eval()
    gen_args = dict(pred_steps=2, deterministic=True)
    expected = model(batch.x, batch.edge_index, **gen_args)[0]
    compiled = torch.compile(model, dynamic=False)
    out = compiled(batch.x, batch.edge_index, **gen_args)[0]
    assert torch.allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize('symmetric', [False, True])
def test_compiled_training_step_with_dynamic_batch_sizes(
        batch_factory, symmetric):
    # A training step compiled with dynamic shapes and no graph break runs
    # batches of two sizes without recompiling and gives the eager loss
    # and gradients (Gumbel noise from the global generator: the sampler's
    # rand_like; symmetric: no data-dependent check while tracing). The
    # 'eager' backend keeps the test fast: the failures were in tracing.
    torch._dynamo.reset()
    torch.manual_seed(0)
    model = _small('fnri', symmetric=symmetric)

    def loss(x, edge_index):
        pred, logits, _ = model(x, edge_index, pred_steps=2)
        return (pred - x[:, 1:]).pow(2).mean() + model.kl_loss(
            logits, x.size(0))

    compiled = torch.compile(loss, dynamic=True, fullgraph=True,
                             backend='eager')

    def check(sizes):
        batch = batch_factory(sizes, num_frames=6)
        runs = []
        for fn in (loss, compiled):
            model.zero_grad()
            torch.manual_seed(1)
            value = fn(batch.x, batch.edge_index)
            value.backward()
            runs.append([value.detach()] +
                        [p.grad.clone() for p in model.parameters()])
        for eager, traced in zip(*runs):
            assert torch.allclose(traced, eager, rtol=1e-6, atol=1e-7)

    check([4, 4])
    with torch._dynamo.config.patch(error_on_recompile=True):
        check([5, 3, 4])


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
@pytest.mark.parametrize('family,encoder,decoder', [
    ('nri', 'mlp', 'mlp'),
    ('fnri', 'mlp', 'mlp'),
    ('fnri', 'cnn', 'rnn'),
    ('sfnri', 'mlp', 'mlp'),
])
def test_cuda_matches_cpu(batch_factory, family, encoder, decoder):
    # The same weights and input on a CUDA device give the CPU's
    # predictions, logits, edge weights and gradients (TF32 off: exact
    # float32 products on both).
    frames = 16 if encoder == 'cnn' else 6  # The CNN needs 14 or more.
    batch = batch_factory([5, 3], num_frames=frames)
    torch.manual_seed(0)
    model = build_model(family, [2, 2], num_timesteps=frames,
                        hidden_channels=8, encoder=encoder, decoder=decoder)
    results = []
    matmul_tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
            for device in ('cpu', 'cuda'):
                net = copy.deepcopy(model).to(device)
                pred, logits, z = net(batch.x.to(device),
                                      batch.edge_index.to(device),
                                      pred_steps=2, deterministic=True)
                (pred.pow(2).sum() + logits.pow(2).sum()).backward()
                assert pred.device.type == device
                results.append([pred, logits, z] +
                               [p.grad for p in net.parameters()])
    finally:
        torch.backends.cuda.matmul.allow_tf32 = matmul_tf32
    assert results[0][0].shape == (8, frames - 1, 4)
    for cpu, cuda in zip(*results):
        assert torch.allclose(cuda.cpu(), cpu, rtol=1e-4, atol=1e-5)


def test_symmetric_logits_average_each_edge_with_its_reverse():
    from torch_geometric_fnri.nn import build_model
    from torch_geometric_fnri.utils import fully_connected_edge_index

    torch.manual_seed(0)
    plain = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    symmetric = build_model('fnri', [2, 2], num_timesteps=6,
                            hidden_channels=8, symmetric=True)
    symmetric.load_state_dict(plain.state_dict())  # Same parameters.
    edge_index = fully_connected_edge_index(4)
    x = torch.randn(4, 6, 4)
    raw = plain.encode(x, edge_index)
    out = symmetric.encode(x, edge_index)
    n = 4  # Dense oracle: logits of j -> i at [i, j], symmetrised.
    dense = torch.zeros(n, n, raw.size(1))
    dense[edge_index[1], edge_index[0]] = raw
    expected = 0.5 * (dense + dense.transpose(0, 1))
    assert torch.allclose(out, expected[edge_index[1], edge_index[0]])
    assert not torch.allclose(raw, out)


def _parameters(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def _trained_step(model, batch):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    pred, logits, _ = model(batch.x, batch.edge_index, pred_steps=2)
    (pred.pow(2).sum() + model.kl_loss(logits, batch.num_nodes)).backward()
    optimizer.step()


@pytest.mark.parametrize('family', ['nri', 'fnri', 'sfnri'])
@pytest.mark.parametrize('decoder', ['mlp', 'rnn'])
def test_reset_parameters_after_training(batch_factory, family, decoder):
    batch = batch_factory([4, 4], num_frames=6)
    torch.manual_seed(0)
    model = _small(family, decoder=decoder)
    fresh = _parameters(model)
    _trained_step(model, batch)
    trained = _parameters(model)
    assert not torch.equal(fresh['encoder.lin_out.weight'],
                           trained['encoder.lin_out.weight'])
    assert not torch.equal(fresh['decoder.lin3.weight'],
                           trained['decoder.lin3.weight'])
    # The decoder's initialisation is its reset_parameters: the same seed
    # gives the freshly built decoder's parameters.
    torch.manual_seed(1)
    built = type(model.decoder)(4, 8, model.model_edge_types,
                                skip_first=model.skip_first)
    torch.manual_seed(1)
    model.decoder.reset_parameters()
    assert all(torch.equal(v, model.decoder.state_dict()[k])
               for k, v in built.state_dict().items())
    # The whole model resets every parameter from the generator alone:
    # the same seed gives the parameters of another fresh model reset.
    torch.manual_seed(2)
    model.reset_parameters()
    other = _small(family, decoder=decoder)
    torch.manual_seed(2)
    other.reset_parameters()
    reset = _parameters(model)
    assert all(torch.equal(reset[k], v) for k, v in
               _parameters(other).items())
    assert not torch.equal(reset['decoder.lin3.weight'],
                           trained['decoder.lin3.weight'])
