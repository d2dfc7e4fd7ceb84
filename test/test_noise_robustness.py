import json

import pytest
import torch
from script_loader import load_script


@pytest.mark.slow
def test_noise_robustness_of_a_trained_run(tmp_path, capsys):
    from torch_geometric_fnri import train
    run_dir = tmp_path / 'run'
    assert train.main([
        '--num-train', '16', '--num-valid', '8', '--num-test', '8',
        '--num-particles', '3', '--num-frames', '25', '--hidden', '8',
        '--batch-size', '8', '--epochs', '1', '--prediction-steps', '3',
        '--no-plots', '--device', 'cpu', '--out', str(run_dir),
        '--data-root', str(tmp_path / 'data')]) == 0
    with open(run_dir / 'metrics.json') as f:
        test = json.load(f)['test']
    noise = load_script('benchmarks', 'noise_robustness.py')
    out = tmp_path / 'results'
    assert noise.main([str(run_dir), '--levels', '0', '0.05', '--out',
                       str(out)]) == 0
    with open(out / 'run.json') as f:
        rows = json.load(f)['rows']
    # Without noise the inference is the trainer's own test evaluation.
    assert rows[0]['combined'] == pytest.approx(test['acc_combined'])
    assert rows[0]['auroc_charges'] == pytest.approx(test['auroc_charges'])
    assert rows[1]['observation_noise'] == 0.05
    assert json.loads(capsys.readouterr().out.splitlines()[-1])[
        'benchmark'] == 'noise_robustness'


def test_noisy_copy_adds_noise_in_physical_units():
    from torch_geometric_fnri.datasets import PhysicsSystemDataset
    test = PhysicsSystemDataset(
        None, split='test', system='springs_charges',
        num_simulations=(16, 8, 8), num_particles=3, num_frames=13,
        sample_freq=10, seed=0, log=False)
    noise = load_script('benchmarks', 'noise_robustness.py')
    generator = torch.Generator().manual_seed(0)
    noisy = noise.noisy_copy(test, test.stats, 0.2, generator)
    diff = torch.stack([test.stats.denormalize(noisy[i].x) -
                        test.stats.denormalize(test[i].x)
                        for i in range(len(test))])
    assert abs(float(diff.std()) - 0.2) < 0.02
    assert torch.equal(noisy[0].edge_type, test[0].edge_type)
    assert torch.equal(noise.noisy_copy(test, test.stats, 0.0, generator)[
        3].x, test[3].x)
