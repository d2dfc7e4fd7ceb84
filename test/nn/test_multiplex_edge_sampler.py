import math

import pytest
import torch

from torch_geometric_fnri.nn import MultiplexEdgeSampler


@pytest.mark.parametrize('ks', [[2, 2], [3, 2], 4])
def test_sampler_soft_sums_per_layer(ks):
    sampler = MultiplexEdgeSampler(ks, tau=0.5)
    width = sum(ks) if isinstance(ks, list) else ks
    logits = torch.randn(30, width)
    z = sampler(logits)
    blocks = z.split(sampler.num_edge_types, dim=-1)
    for block in blocks:
        assert torch.allclose(block.sum(-1), torch.ones(30))
    probs = sampler.probabilities(logits)
    expected = torch.cat([b.softmax(-1) for b in logits.split(
        sampler.num_edge_types, dim=-1)], dim=-1)
    assert torch.allclose(probs, expected)


def test_sampler_generator_determinism():
    sampler = MultiplexEdgeSampler([2, 2])
    logits = torch.randn(10, 4)
    a = sampler(logits, generator=torch.Generator().manual_seed(3))
    b = sampler(logits, generator=torch.Generator().manual_seed(3))
    c = sampler(logits, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('contiguous', [True, False])
def test_sampler_noise_is_the_uniform_draw_of_the_logits_shape(
        dtype, contiguous):
    # The noise is torch.rand(logits.shape) from the given generator or,
    # without one, from the global generator, which it leaves as that draw
    # does (the same stream as before the no-generator path became
    # rand_like, also for non-contiguous logits).
    sampler = MultiplexEdgeSampler([2, 3], tau=0.7)
    logits = torch.randn(7, 5, dtype=dtype)
    logits = logits if contiguous else logits[:5].t()  # Transposed.
    assert logits.is_contiguous() == contiguous

    def reference(u):
        gumbel = -torch.log(sampler.eps - torch.log(u + sampler.eps))
        return torch.cat([block.softmax(-1) for block in (
            (logits + gumbel) / sampler.tau).split([2, 3], dim=-1)], -1)

    torch.manual_seed(5)
    expected = reference(torch.rand(logits.shape, dtype=dtype))
    after = torch.rand(3)
    torch.manual_seed(5)
    assert torch.equal(sampler(logits), expected)
    assert torch.equal(torch.rand(3), after)
    gen = torch.Generator().manual_seed(6)
    expected = reference(torch.rand(logits.shape, generator=gen,
                                    dtype=dtype))
    assert torch.equal(
        sampler(logits, generator=torch.Generator().manual_seed(6)),
        expected)


@pytest.mark.parametrize('noise_scale', [0.0, 0.3, 2.0])
def test_sampler_noise_scale_oracle(noise_scale):
    # z = softmax((h + c g) / tau) per block, with g the Gumbel noise of
    # the same draws as at c = 1; c = 0 draws nothing from the generator.
    sampler = MultiplexEdgeSampler([2, 3], tau=0.7, noise_scale=noise_scale)
    logits = torch.randn(6, 5, dtype=torch.float64)
    gen = torch.Generator().manual_seed(9)
    u = torch.rand(logits.shape, generator=gen, dtype=torch.float64)
    gumbel = -torch.log(sampler.eps - torch.log(u + sampler.eps))
    expected = torch.cat([block.softmax(-1) for block in (
        (logits + noise_scale * gumbel) / 0.7).split([2, 3], dim=-1)], -1)
    gen = torch.Generator().manual_seed(9)
    assert torch.allclose(sampler(logits, generator=gen), expected,
                          rtol=1e-12, atol=1e-12)
    drawn = torch.rand(1, generator=gen)
    first = torch.rand(1, generator=torch.Generator().manual_seed(9))
    assert torch.equal(drawn, first) == (noise_scale == 0.0)


def test_sampler_noise_scale_per_layer_graph_oracle():
    # z_l = softmax((h_l + c_l g_l) / tau): block 1 without noise, block 2
    # with twice the noise, from one draw over every column.
    sampler = MultiplexEdgeSampler([2, 3], tau=0.7, noise_scale=[0, 2.0])
    assert sampler.noise_scale == [0.0, 2.0] and sampler.has_noise
    logits = torch.randn(6, 5, dtype=torch.float64)
    gen = torch.Generator().manual_seed(9)
    u = torch.rand(logits.shape, generator=gen, dtype=torch.float64)
    gumbel = -torch.log(sampler.eps - torch.log(u + sampler.eps))
    expected = torch.cat([(logits[:, :2] / 0.7).softmax(-1), (
        (logits[:, 2:] + 2.0 * gumbel[:, 2:]) / 0.7).softmax(-1)], -1)
    sample = sampler(logits, generator=torch.Generator().manual_seed(9))
    assert torch.allclose(sample, expected, rtol=1e-12, atol=1e-12)
    # A uniform list is the single scale, draw for draw.
    for scales in ([0.3, 0.3], 0.3):
        sampler = MultiplexEdgeSampler([2, 3], noise_scale=scales)
        out = sampler(logits, generator=torch.Generator().manual_seed(4))
        if scales == 0.3:
            assert torch.allclose(out, previous, rtol=1e-12, atol=1e-12)
        previous = out
    # Every scale 0: no draw at all.
    sampler = MultiplexEdgeSampler([2, 3], noise_scale=[0, 0])
    assert not sampler.has_noise
    gen = torch.Generator().manual_seed(9)
    sampler(logits, generator=gen)
    assert torch.equal(torch.rand(1, generator=gen),
                       torch.rand(1, generator=torch.Generator().manual_seed(
                           9)))
    assert str(MultiplexEdgeSampler([2, 2], noise_scale=[1, 0])) == (
        "MultiplexEdgeSampler([2, 2], tau=0.5, hard=False, mode='gumbel', "
        "noise_scale=[1.0, 0.0])")


def test_sampler_without_noise_is_the_relaxed_posterior():
    sampler = MultiplexEdgeSampler([2, 2], tau=0.5, noise_scale=0.0)
    logits = torch.randn(8, 4, requires_grad=True)
    torch.manual_seed(0)
    a = sampler(logits)
    b = sampler(logits)
    assert torch.equal(a, b)
    assert torch.allclose(a, sampler.probabilities(logits / 0.5))
    a.pow(2).sum().backward()
    assert logits.grad.abs().sum() > 0
    # Evaluation still feeds the one-hot argmax.
    assert torch.equal(sampler(logits, deterministic=True),
                       MultiplexEdgeSampler([2, 2])(logits,
                                                    deterministic=True))
    assert str(sampler) == ("MultiplexEdgeSampler([2, 2], tau=0.5, "
                            "hard=False, mode='gumbel', noise_scale=0.0)")


def test_sampler_refuses_bad_noise_scales():
    for value in (-0.1, math.inf, math.nan):
        with pytest.raises(ValueError, match="'noise_scale' must be "
                           "non-negative and finite"):
            MultiplexEdgeSampler([2, 2], noise_scale=value)
    with pytest.raises(ValueError, match="mode='sigmoid' has none"):
        MultiplexEdgeSampler(2, mode='sigmoid', noise_scale=0.0)
    with pytest.raises(ValueError, match="mode='sigmoid' has none"):
        MultiplexEdgeSampler(2, mode='sigmoid', noise_scale=[1.0, 1.0])
    for value in ([], [1.0, -1.0], [1.0, True], 'big'):
        with pytest.raises(ValueError, match="one number or one per "
                           "layer-graph"):
            MultiplexEdgeSampler([2, 2], noise_scale=value)
    with pytest.raises(ValueError, match=r"one scale per layer-graph \(2 "
                       r"for num_edge_types=\[2, 3\], got 3\)"):
        MultiplexEdgeSampler([2, 3], noise_scale=[1, 0, 1])


def test_sampler_gumbel_distribution():
    # The argmax of Gumbel-perturbed logits follows softmax(logits).
    sampler = MultiplexEdgeSampler(3, hard=True)
    logits = torch.tensor([[0.0, 1.0, 2.0]]).repeat(20000, 1)
    z = sampler(logits, generator=torch.Generator().manual_seed(0))
    freq = z.mean(0)
    assert torch.allclose(freq, logits[0].softmax(-1), atol=0.02)


def test_sampler_hard_straight_through():
    sampler = MultiplexEdgeSampler([2, 3], hard=True)
    logits = torch.randn(8, 5, requires_grad=True)
    z = sampler(logits, generator=torch.Generator().manual_seed(0))
    for block in z.split([2, 3], dim=-1):
        assert torch.equal(block.sum(-1), torch.ones(8))
        assert set(block.detach().unique().tolist()) <= {0.0, 1.0}
    (z * torch.randn(8, 5)).sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0


def test_sampler_deterministic_argmax():
    sampler = MultiplexEdgeSampler([2, 2])
    logits = torch.tensor([[1.0, 0.0, -1.0, 2.0]])
    assert torch.equal(sampler(logits, deterministic=True),
                       torch.tensor([[1.0, 0.0, 0.0, 1.0]]))


def test_sampler_sigmoid_mode():
    sampler = MultiplexEdgeSampler(2, mode='sigmoid', sharpness=2.0)
    logits = torch.tensor([[0.3, -0.2]], requires_grad=True)
    z = sampler(logits)
    assert torch.allclose(z, torch.sigmoid(2 * logits))
    # Without noise, evaluation sees the values that training sees.
    deterministic = sampler(logits, deterministic=True)
    assert not deterministic.requires_grad
    assert torch.equal(deterministic, torch.sigmoid(2 * logits).detach())
    hard = MultiplexEdgeSampler(2, mode='sigmoid', hard=True)
    assert torch.equal(hard(logits, deterministic=True),
                       torch.tensor([[1.0, 0.0]]))
    z = hard(logits)
    assert torch.equal(z.detach(), torch.tensor([[1.0, 0.0]]))
    z.sum().backward()
    assert logits.grad.abs().sum() > 0


def test_sampler_errors():
    with pytest.raises(ValueError, match="'tau' must be positive"):
        MultiplexEdgeSampler(2, tau=0.0)
    with pytest.raises(ValueError, match="'mode'"):
        MultiplexEdgeSampler(2, mode='softmax')
    sampler = MultiplexEdgeSampler([2, 2])
    with pytest.raises(ValueError, match=r"shape \[E, 4\]"):
        sampler(torch.randn(3, 3))
    assert str(sampler) == ("MultiplexEdgeSampler([2, 2], tau=0.5, "
                            "hard=False, mode='gumbel')")


def test_sampler_keep_layer_graphs():
    sampler = MultiplexEdgeSampler([2, 3, 2])
    assert sampler.num_layer_graphs == 3
    logits = torch.randn(4, 7, requires_grad=True)
    z = sampler(logits)
    kept = sampler.keep_layer_graphs(z, 1)
    assert kept.shape == (4, 7)
    assert torch.equal(kept[:, :2], z[:, :2])
    non_edge = torch.tensor([1., 0., 0., 1., 0.]).expand(4, 5)
    assert torch.equal(kept[:, 2:], non_edge)
    assert torch.equal(sampler.keep_layer_graphs(z, 2)[:, :5], z[:, :5])
    assert torch.equal(sampler.keep_layer_graphs(z, 2)[:, 5:],
                       torch.tensor([1., 0.]).expand(4, 2))
    assert sampler.keep_layer_graphs(z, 3) is z
    # The dropped layer-graphs pass no gradient back to their logits.
    kept[:, 2:].sum().backward()
    assert torch.equal(logits.grad, torch.zeros_like(logits))


def test_sampler_keep_layer_graphs_sigmoid_and_errors():
    sampler = MultiplexEdgeSampler(3, mode='sigmoid')
    assert sampler.num_layer_graphs == 3
    z = sampler(torch.randn(5, 3))
    kept = sampler.keep_layer_graphs(z, 2)
    assert torch.equal(kept[:, :2], z[:, :2])
    assert torch.equal(kept[:, 2], torch.zeros(5))
    assert MultiplexEdgeSampler(4).num_layer_graphs == 1
    for count in (0, 1.5, True):
        with pytest.raises(ValueError, match="'count' must be an int >= 1"):
            sampler.keep_layer_graphs(z, count)
    with pytest.raises(ValueError, match=r"shape \[E, 3\]"):
        sampler.keep_layer_graphs(torch.zeros(5, 2), 1)


def test_sampler_refuses_meaningless_settings():
    # An infinite temperature or sharpness gives constant samples; a block
    # of one edge type always samples it, and a sampler whose blocks are
    # not the logits' (a [3, 1] sampler on [2, 2] logits) has one.
    for tau in (math.inf, math.nan):
        with pytest.raises(ValueError, match="'tau' must be positive and "
                           "finite"):
            MultiplexEdgeSampler([2, 2], tau=tau)
    with pytest.raises(ValueError, match="'sharpness' must be positive"):
        MultiplexEdgeSampler(2, mode='sigmoid', sharpness=math.inf)
    for counts in ([1], [3, 1]):
        with pytest.raises(ValueError, match='at least 2 edge types'):
            MultiplexEdgeSampler(counts)
    # In sigmoid mode every column is a factor of its own.
    assert MultiplexEdgeSampler([1], mode='sigmoid').width == 1


def test_sampler_warns_of_non_finite_logits():
    sampler = MultiplexEdgeSampler([2, 2])
    logits = torch.zeros(3, 4)
    logits[1, 2] = math.nan
    with pytest.warns(RuntimeWarning, match="'logits' holds NaN or inf"):
        sampler(logits)
    with pytest.warns(RuntimeWarning, match="'logits' holds NaN or inf"):
        sampler.probabilities(logits)
