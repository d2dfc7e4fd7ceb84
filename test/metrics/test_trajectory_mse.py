import pytest
import torch

from torch_geometric_fnri.metrics import (
    POSITION_FEATURES,
    VELOCITY_FEATURES,
    TrajectoryMSE,
    block_averaged_mse,
    mse_at_steps,
    per_step_mse,
)


def ramp(num_nodes=2, num_steps=3, num_features=4):
    # Squared error (s + 1)^2 at step s in every feature.
    pred = torch.zeros(num_nodes, num_steps, num_features)
    target = torch.arange(1., num_steps + 1).view(1, -1, 1).expand_as(pred)
    return pred, target.clone()


def test_per_step_known_values():
    pred, target = ramp()
    assert per_step_mse(pred, target).tolist() == [1., 4., 9.]
    target[1, 0, 3] = 3.  # one element of step 0: error 9 instead of 1
    assert per_step_mse(pred, target)[0].item() == pytest.approx(
        (7 * 1 + 9) / 8)


def test_mse_at_steps():
    curve = torch.arange(1., 21.)
    assert mse_at_steps(curve) == {1: 1., 10: 10., 20: 20.}
    assert mse_at_steps(curve, steps=[3]) == {3: 3.}
    with pytest.raises(ValueError, match='steps'):
        mse_at_steps(curve, steps=[0])
    with pytest.raises(ValueError, match='steps'):
        mse_at_steps(curve[:10])
    with pytest.raises(ValueError, match='per_step'):
        mse_at_steps(curve.view(4, 5))


def test_block_averaged_is_mean_over_all_frames():
    # pred_steps = 2 over 5 frames: horizons 1, 2, 1, 2, 1 with squared
    # error equal to the horizon.
    horizon = torch.tensor([1., 2., 1., 2., 1.])
    pred = torch.zeros(3, 5, 4)
    target = horizon.sqrt().view(1, 5, 1).expand(3, 5, 4)
    assert block_averaged_mse(pred, target).item() == pytest.approx(1.4)
    # Not the error at step M = 2.
    assert per_step_mse(pred, target)[1].item() == pytest.approx(2.)


def test_physical_units_and_feature_groups():
    pred, target = ramp(num_steps=2)
    scale = [2., 2., 0.5, 0.5]
    position = per_step_mse(pred, target, scale, POSITION_FEATURES)
    velocity = per_step_mse(pred, target, scale, VELOCITY_FEATURES)
    assert position.tolist() == [4., 16.]
    assert velocity.tolist() == [0.25, 1.]
    mixed = per_step_mse(pred, target, scale)
    assert mixed.tolist() == pytest.approx([(8 + 0.5) / 4,
                                            4 * (8 + 0.5) / 4])
    assert block_averaged_mse(pred, target, scale,
                              POSITION_FEATURES).item() == 10.
    assert block_averaged_mse(pred, target, features=[2]).item() == 2.5


def test_physical_units_match_denormalised_error():
    gen = torch.Generator().manual_seed(0)
    low, high = torch.tensor([-3., -3., -1., -1.]), torch.tensor(
        [5., 5., 2., 2.])
    pred = torch.rand(4, 6, 4, generator=gen) * 2 - 1
    target = torch.rand(4, 6, 4, generator=gen) * 2 - 1
    scale = (high - low) / 2

    def denormalise(x):
        return (x + 1) * (high - low) / 2 + low

    error = (denormalise(pred) - denormalise(target))**2
    for features in (POSITION_FEATURES, VELOCITY_FEATURES):
        expected = error[..., list(features)].mean(dim=(0, 2))
        assert torch.allclose(
            per_step_mse(pred, target, scale, features),
            expected.double(), atol=1e-6)


def test_accumulation_weights_elements():
    metric = TrajectoryMSE()
    metric.update(torch.zeros(3, 2, 4), torch.ones(3, 2, 4))
    metric.update(torch.zeros(1, 2, 4), torch.full((1, 2, 4), 5.**0.5))
    # Weighted: (3 * 1 + 1 * 5) / 4 = 2, not the batch mean (1 + 5) / 2.
    assert metric.mean().item() == pytest.approx(2.)
    assert metric.per_step().tolist() == pytest.approx([2., 2.])
    pred = torch.cat([torch.zeros(3, 2, 4), torch.zeros(1, 2, 4)])
    target = torch.cat([torch.ones(3, 2, 4), torch.full((1, 2, 4), 5.**0.5)])
    assert metric.mean().item() == pytest.approx(
        block_averaged_mse(pred, target).item())
    metric.reset()
    with pytest.raises(ValueError, match='No elements'):
        metric.mean()


def test_leading_dimensions():
    pred, target = ramp(num_nodes=6)
    batched = per_step_mse(pred.view(2, 3, 3, 4), target.view(2, 3, 3, 4))
    assert torch.equal(batched, per_step_mse(pred, target))


def test_errors():
    pred, target = ramp()
    with pytest.raises(ValueError, match='same shape'):
        per_step_mse(pred, target[:1])
    with pytest.raises(ValueError, match=r'\[\.\.\., S, D\]'):
        per_step_mse(pred[0, 0], target[0, 0])
    with pytest.raises(TypeError, match="'target' must be a torch.Tensor"):
        per_step_mse(pred, target.tolist())
    with pytest.raises(ValueError, match="'scale' must have shape"):
        per_step_mse(pred, target, scale=[1., 2.])
    with pytest.raises(ValueError, match="'features'"):
        per_step_mse(pred, target, features=[4])
    with pytest.raises(ValueError, match="'features'"):
        per_step_mse(pred, target, features=[])
    metric = TrajectoryMSE()
    metric.update(pred, target)
    with pytest.raises(ValueError, match='like earlier batches'):
        metric.update(pred[:, :2], target[:, :2])
