import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from torch_geometric_fnri.datasets import PhysicsSystemDataset
from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import (
    TrainConfig,
    Trainer,
    shutdown_distributed,
)


# The true-graph decoder has no BatchNorm and no dropout, so the gradient of
# the global batch equals the average of the per-process gradients (DDP);
# the learned encoder's BatchNorm would use per-process batch statistics and
# only agree approximately.
CONFIG = dict(mode='true_graph', epochs=1, batch_size=16, prediction_steps=3,
              accuracy_batch_size=4, progress=False, seed=3)


def _model():
    torch.manual_seed(0)
    return build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)


def _splits():
    sizes = dict(system='springs_charges', num_simulations=(16, 8, 8),
                 num_particles=3, num_frames=13, sample_freq=10, seed=0,
                 log=False)  # As in conftest.py.
    return [PhysicsSystemDataset(None, split=s, **sizes)
            for s in ('train', 'valid')]


def _worker(rank, world_size, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port),
                      WORLD_SIZE=str(world_size), RANK=str(rank),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    try:
        trainer = Trainer(_model(), TrainConfig(device='cpu', **CONFIG),
                          *_splits(), run_dir=os.path.join(out_dir, 'run'))
        trainer.fit()
        torch.save({'model': trainer.model.state_dict(),
                    'history': trainer.history},
                   os.path.join(out_dir, f'rank{rank}.pt'))
        trainer.close()
        shutdown_distributed()
    except BaseException:
        dist.destroy_process_group()  # No barrier: the other rank may hang.
        raise


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_match_one(tmp_path):
    single = Trainer(_model(), TrainConfig(device='cpu', **CONFIG),
                     *_splits())
    single.fit()

    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2,
             join=True)
    ranks = [torch.load(tmp_path / f'rank{r}.pt', weights_only=False)
             for r in range(2)]
    # One optimiser step on the same global batch of 16 simulations.
    for key, value in single.model.state_dict().items():
        for result in ranks:
            assert torch.allclose(value, result['model'][key], atol=1e-6,
                                  rtol=1e-5), key
    expected = single.history[0]
    for result in ranks:  # All-reduced metrics agree on every rank.
        row = result['history'][0]
        for key in ('train_loss', 'valid_nll_1', 'valid_nll_m',
                    'valid_mse_m'):
            assert row[key] == pytest.approx(expected[key], rel=1e-5), key
        assert row['valid_num_graphs'] == 8
    assert (tmp_path / 'run' / 'checkpoints' / 'last.pt').is_file()
    assert (tmp_path / 'run' / 'metrics.json').is_file()


@pytest.mark.skipif(
    not (torch.cuda.is_available() and dist.is_nccl_available()),
    reason='needs CUDA and nccl')
def test_all_reduce_sum_of_a_cpu_tensor_under_nccl():
    # EdgeAccuracy keeps its confusion matrix on the CPU; nccl reduces CUDA
    # tensors only.
    from torch_geometric_fnri.training.distributed import all_reduce_sum

    dist.init_process_group('nccl', init_method=f'tcp://127.0.0.1:'
                            f'{_free_port()}', rank=0, world_size=1)
    try:
        confusion = torch.arange(16).view(4, 4)
        out = all_reduce_sum(confusion)
        assert out.device.type == 'cpu' and torch.equal(out, confusion)
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_torchrun_launches_of_the_train_module_exit(tmp_path):
    # The documented launch, several times: every launch must exit (rank 0
    # used to hang in gloo's threads at exit) and match one process.
    import json
    import subprocess
    import sys
    module = ['-m', 'torch_geometric_fnri.train']
    args = ['--mode', 'true_graph', '--num-train', '16', '--num-valid', '8',
            '--num-test', '8', '--num-particles', '3', '--num-frames', '25',
            '--hidden', '8', '--batch-size', '8', '--epochs', '2',
            '--prediction-steps', '2', '--no-plots', '--device', 'cpu',
            '--data-root', str(tmp_path / 'data')]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    single = subprocess.run(
        [sys.executable, *module, *args, '--out', str(tmp_path / 'single')],
        capture_output=True, text=True, timeout=300, env=env)
    assert single.returncode == 0, single.stderr
    with open(tmp_path / 'single' / 'metrics.json') as f:
        expected = json.load(f)['test']
    torchrun = [sys.executable, '-m', 'torch.distributed.run', '--standalone',
                '--nproc_per_node=2', *module]
    for launch in range(3):
        out = tmp_path / f'ddp{launch}'
        result = subprocess.run(torchrun + args + ['--out', str(out)],
                                capture_output=True, text=True, timeout=120,
                                env=env)
        assert result.returncode == 0, result.stderr[-2000:]
        with open(out / 'metrics.json') as f:
            test = json.load(f)['test']
        for key in ('nll_m', 'mse_m', 'mse_block_1', 'mse_step_1'):
            assert test[key] == pytest.approx(expected[key], rel=1e-4), key


def test_devices_that_are_not_on_this_machine_are_named(monkeypatch):
    from torch_geometric_fnri.training.distributed import resolve_device
    assert resolve_device('cpu') == torch.device('cpu')
    for device, message in (('bogus', "unknown device 'bogus': use 'auto'"),
                            ('cpu:7', 'there is one CPU device')):
        with pytest.raises(ValueError, match=message):
            resolve_device(device)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(ValueError, match="'cuda': CUDA is not available on "
                       "this machine .* use 'cpu' or 'auto'"):
        resolve_device('cuda')
    assert resolve_device('auto') == torch.device('cpu')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)
    with pytest.raises(ValueError, match=r"has 2 GPU\(s\), 'cuda:0' to "
                       "'cuda:1'"):
        resolve_device('cuda:2')
    assert resolve_device('cuda:1') == torch.device('cuda', 1)
