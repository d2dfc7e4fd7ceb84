import math

import numpy as np
import pytest
import torch

from torch_geometric_fnri.nn import TemporalCNN


def conv1d(x, weight, bias):
    # x [C_in, T], weight [C_out, C_in, k] -> [C_out, T - k + 1].
    c_out, _, k = weight.shape
    out = np.empty((c_out, x.shape[1] - k + 1))
    for o in range(c_out):
        for t in range(out.shape[1]):
            out[o, t] = (weight[o] * x[:, t:t + k]).sum() + bias[o]
    return out


def batch_norm(h, norm, training):
    # h [E, C, T]; statistics over edges and time per channel.
    if training:
        mean = h.mean(axis=(0, 2), keepdims=True)
        var = h.var(axis=(0, 2), keepdims=True)
    else:
        mean = norm.running_mean.numpy()[None, :, None]
        var = norm.running_var.numpy()[None, :, None]
    weight = norm.weight.detach().numpy()[None, :, None]
    bias = norm.bias.detach().numpy()[None, :, None]
    return (h - mean) / np.sqrt(var + norm.eps) * weight + bias


def oracle(module, x, training):
    # The documented block, edge by edge, in float64 numpy.
    def params(conv):
        return conv.weight.detach().numpy(), conv.bias.detach().numpy()

    x = x.numpy()
    h = np.stack([np.maximum(conv1d(x[e].T, *params(module.conv1)), 0)
                  for e in range(len(x))])
    h = batch_norm(h, module.norm1, training)
    pooled_len = h.shape[2] // 2
    h = np.maximum(h[:, :, 0:2 * pooled_len:2], h[:, :, 1:2 * pooled_len:2])
    h = np.stack([np.maximum(conv1d(h[e], *params(module.conv2)), 0)
                  for e in range(len(h))])
    h = batch_norm(h, module.norm2, training)
    out = []
    for e in range(len(h)):
        pred = conv1d(h[e], *params(module.conv_predict))
        logit = conv1d(h[e], *params(module.conv_attention))[0]
        attention = np.exp(logit - logit.max())
        attention /= attention.sum()
        out.append((pred * attention).mean(axis=1))
    return np.stack(out)


@pytest.mark.parametrize('num_frames', [14, 15, 21])
@pytest.mark.parametrize('training', [True, False])
def test_equals_loop_oracle(num_frames, training):
    torch.manual_seed(0)
    module = TemporalCNN(3, 5, 2).double()
    with torch.no_grad():  # Non-trivial normalisation parameters.
        for norm in (module.norm1, module.norm2):
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.3, 0.3)
            norm.running_mean.uniform_(-0.2, 0.2)
            norm.running_var.uniform_(0.5, 2.0)
    module.train(training)
    x = torch.randn(4, num_frames, 3, dtype=torch.float64)
    expected = oracle(module, x, training)
    out = module(x)
    assert out.shape == (4, 2)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10,
                               atol=1e-12)


def test_fewest_frames():
    assert TemporalCNN.min_timesteps == 14
    module = TemporalCNN(4, 6, 3).eval()
    assert module(torch.randn(2, 14, 4)).shape == (2, 3)
    with pytest.raises(ValueError, match=r"shape \[E, T, 4\] \(one sequence "
                       r"of T >= 14 steps per row\) \(got \(2, 13, 4\)\)"):
        module(torch.randn(2, 13, 4))


@pytest.mark.parametrize('shape', [(2, 16), (2, 16, 3)])
def test_refuses_a_2d_input_or_the_wrong_channels(shape):
    with pytest.raises(ValueError, match=r"'x' must have shape \[E, T, 4\]"):
        TemporalCNN(4, 6, 3)(torch.randn(*shape))


def test_edges_are_independent_in_eval_mode():
    torch.manual_seed(1)
    module = TemporalCNN(4, 6, 3).eval()
    x = torch.randn(5, 16, 4)
    out = module(x)
    perm = torch.tensor([3, 0, 4, 1, 2])
    assert torch.allclose(module(x[perm]), out[perm], atol=1e-6)
    assert torch.allclose(module(x[2:3]), out[2:3], atol=1e-6)


def test_initialisation():
    torch.manual_seed(2)
    module = TemporalCNN(4, 64, 32)
    for conv in (module.conv1, module.conv2, module.conv_predict,
                 module.conv_attention):
        assert torch.equal(conv.bias, torch.full_like(conv.bias, 0.1))
    # N(0, 2 / (k * C_out)): the sample standard deviation of the 20480
    # weights of conv2 lies within 3% of its value.
    std = math.sqrt(2.0 / (5 * 64))
    assert abs(module.conv2.weight.std().item() / std - 1) < 0.03
    assert abs(module.conv2.weight.mean().item()) < 0.1 * std
    state = {k: v.clone() for k, v in module.state_dict().items()}
    torch.manual_seed(2)
    again = TemporalCNN(4, 64, 32)
    assert all(torch.equal(state[k], v)
               for k, v in again.state_dict().items())
    module.reset_parameters()
    assert not torch.equal(module.conv1.weight, state['conv1.weight'])


def test_dropout_only_in_training():
    torch.manual_seed(3)
    x = torch.randn(6, 16, 4)
    plain = TemporalCNN(4, 8, 3)
    dropped = TemporalCNN(4, 8, 3, dropout=0.5)
    dropped.load_state_dict(plain.state_dict())
    plain.eval()
    dropped.eval()
    assert torch.equal(dropped(x), plain(x))
    dropped.train()
    torch.manual_seed(4)
    first = dropped(x)
    torch.manual_seed(4)
    assert torch.equal(dropped(x), first)
    assert not torch.allclose(first, plain.train()(x))
