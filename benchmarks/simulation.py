"""Benchmark: vectorised simulator vs a per-trajectory loop baseline.

The baseline follows the reference code's approach: one trajectory at a
time, numpy on 2 x N arrays, squared distances as |a|^2 + |b|^2 - 2 a.b,
a Python loop over steps. Both run in this process, side by side.

Example::

    python benchmarks/simulation.py --system springs_charges \
        --num-simulations 70000 --workers 2

The last line of the output is one JSON object.
"""
import argparse
import json
import time

import numpy as np

from torch_geometric_fnri.datasets import (
    Coulomb,
    FiniteSpring,
    get_system,
    sample_initial_state,
    simulate,
    simulate_system,
)

DT = 1e-3
MAX_FORCE = 100.


def baseline_trajectory(system, couplings, loc, vel, num_steps,
                        sample_freq):
    """One trajectory; couplings [L, N, N], loc and vel [2, N]."""
    box = system.box_size
    num_particles = loc.shape[1]
    num_frames = num_steps // sample_freq - 1
    out_loc = np.zeros((num_frames, 2, num_particles))
    out_vel = np.zeros((num_frames, 2, num_particles))
    loc, vel = loc.copy(), vel.copy()

    def clamp(x, v):
        over = x > box
        x[over] = 2 * box - x[over]
        v[over] = -np.abs(v[over])
        under = x < -box
        x[under] = -2 * box - x[under]
        v[under] = np.abs(v[under])

    def force(x):
        sq = (x**2).sum(0)
        dist2 = sq[:, None] + sq[None, :] - 2 * x.T @ x
        np.fill_diagonal(dist2, 1.)
        dist = np.sqrt(np.abs(dist2))
        size = np.zeros((num_particles, num_particles))
        for layer, coupling in zip(system.layers, couplings):
            inter = layer.interaction
            if isinstance(inter, Coulomb):
                size += inter.strength * coupling / dist**3
            elif isinstance(inter, FiniteSpring):
                size -= inter.strength * coupling * (
                    1 - inter.rest_length / dist)
            else:
                size -= inter.strength * coupling
        np.fill_diagonal(size, 0.)
        diff = np.stack([np.subtract.outer(x[0], x[0]),
                         np.subtract.outer(x[1], x[1])])
        return np.clip((size[None] * diff).sum(-1), -MAX_FORCE, MAX_FORCE)

    clamp(loc, vel)
    vel += DT * force(loc)
    for i in range(1, num_steps):
        loc += DT * vel
        clamp(loc, vel)
        if i % sample_freq == 0 and i // sample_freq - 1 < num_frames:
            out_loc[i // sample_freq - 1] = loc
            out_vel[i // sample_freq - 1] = vel
        vel += DT * force(loc)
    return out_loc, out_vel


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--system', default='springs_charges')
    parser.add_argument('--num-simulations', type=int, default=2000)
    parser.add_argument('--num-particles', type=int, default=5)
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--steps', type=int, default=10000)
    parser.add_argument('--sample-freq', type=int, default=100)
    parser.add_argument('--baseline-simulations', type=int, default=20)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--mp-context', default='spawn',
                        choices=['spawn', 'fork', 'forkserver'])
    args = parser.parse_args()
    system = get_system(args.system)

    rng = np.random.default_rng(args.seed)
    couplings = system.sample_couplings(rng, args.baseline_simulations,
                                        args.num_particles)
    loc, vel = sample_initial_state(system, rng, args.baseline_simulations,
                                    args.num_particles)
    start = time.perf_counter()
    baseline_loc = [
        baseline_trajectory(system, couplings[s], loc[s], vel[s],
                            args.steps, args.sample_freq)[0]
        for s in range(args.baseline_simulations)
    ]
    baseline_seconds = time.perf_counter() - start
    baseline_rate = args.baseline_simulations / baseline_seconds
    # Same graphs and initial states through the library: the two agree up
    # to rounding (amplified by close encounters over long runs).
    library_loc = simulate(system, couplings, loc, vel, args.steps,
                           args.sample_freq)[0]
    deviation = np.abs(library_loc[:, :len(baseline_loc[0])] -
                       np.stack(baseline_loc)).max()

    start = time.perf_counter()
    trajectories = simulate_system(system, args.num_simulations,
                                   args.num_particles, args.steps,
                                   args.sample_freq, seed=args.seed,
                                   num_workers=args.workers,
                                   mp_context=args.mp_context)
    seconds = time.perf_counter() - start
    rate = args.num_simulations / seconds
    assert np.isfinite(trajectories.loc).all()

    print(f'system={args.system} N={args.num_particles} '
          f'steps={args.steps} workers={args.workers}')
    print(f"{'method':<28}{'trajectories':>14}{'seconds':>12}"
          f"{'traj/s':>12}")
    print(f"{'per-trajectory loop':<28}{args.baseline_simulations:>14}"
          f'{baseline_seconds:>12.2f}{baseline_rate:>12.2f}')
    print(f"{'vectorised (library)':<28}{args.num_simulations:>14}"
          f'{seconds:>12.2f}{rate:>12.2f}')
    print(f'speedup: {rate / baseline_rate:.1f}x; max |position '
          f'difference| library vs baseline on the subset: {deviation:.2e}')
    print(json.dumps({
        'system': args.system,
        'num_particles': args.num_particles,
        'num_simulations': args.num_simulations,
        'seconds': round(seconds, 3),
        'trajectories_per_s': round(rate, 3),
        'baseline_trajectories_per_s': round(baseline_rate, 3),
        'speedup': round(rate / baseline_rate, 2),
    }))


if __name__ == '__main__':
    main()
