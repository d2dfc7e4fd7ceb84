"""One full training step of NRI / fNRI / sfNRI: ours vs. a dense baseline.

Usage:
    python benchmarks/train_step.py --model fnri --system I+C \\
        --batch-size 128 --hidden 256 --num-particles 5
    python benchmarks/train_step.py --sweep          # N = 5 ... 100, batch 8

A step is: MLP encoder on 49 frames, edge sampling, MLP decoder rollout
with M = 10 over the next 49 frames, loss NLL + KL (sfNRI: NLL), backward,
Adam. The baseline is written here in the style of the reference code:
[B, N, ...] tensors, dense one-hot rel_rec / rel_send matrix products and a
Python loop over edge types. Each implementation runs in its own
subprocess so that its peak RSS (resource.getrusage) is its own. The last
line is JSON.
"""
import argparse
import json
import math
import resource
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

from torch_geometric_fnri.losses import gaussian_nll, kl_categorical
from torch_geometric_fnri.nn import (
    MODEL_FAMILIES,
    build_model,
    get_model_family,
)
from torch_geometric_fnri.utils import fully_connected_edge_index

SYSTEMS = {'I+C': [2, 2], 'I+C+F': [2, 2, 2]}
FRAMES, DIMS, PRED_STEPS = 49, 4, 10


# ---------------------------------------------------------------- baseline
class DenseMLP(torch.nn.Module):
    def __init__(self, n_in, n_hid, n_out):
        super().__init__()
        self.fc1 = torch.nn.Linear(n_in, n_hid)
        self.fc2 = torch.nn.Linear(n_hid, n_out)
        self.bn = torch.nn.BatchNorm1d(n_out)

    def forward(self, x):
        x = F.elu(self.fc2(F.elu(self.fc1(x))))
        return self.bn(x.reshape(-1, x.size(-1))).view(x.shape)


class DenseEncoder(torch.nn.Module):
    def __init__(self, n_in, hid, n_out):
        super().__init__()
        self.mlp1 = DenseMLP(n_in, hid, hid)
        self.mlp2 = DenseMLP(2 * hid, hid, hid)
        self.mlp3 = DenseMLP(hid, hid, hid)
        self.mlp4 = DenseMLP(3 * hid, hid, hid)
        self.fc_out = torch.nn.Linear(hid, n_out)

    def forward(self, x, rel_rec, rel_send):  # x: [B, N, T, D]
        def node2edge(h):
            return torch.cat([rel_send @ h, rel_rec @ h], dim=-1)

        h = self.mlp1(x.reshape(x.size(0), x.size(1), -1))
        e = self.mlp2(node2edge(h))
        skip = e
        h = self.mlp3(rel_rec.t() @ e / h.size(1))
        e = self.mlp4(torch.cat([node2edge(h), skip], dim=-1))
        return self.fc_out(e)  # [B, E, K]


class DenseDecoder(torch.nn.Module):
    def __init__(self, dims, hid, num_types, skip):
        super().__init__()
        self.msg_fc1 = torch.nn.ModuleList(
            [torch.nn.Linear(2 * dims, hid) for _ in range(num_types)])
        self.msg_fc2 = torch.nn.ModuleList(
            [torch.nn.Linear(hid, hid) for _ in range(num_types)])
        self.out_fc1 = torch.nn.Linear(dims + hid, hid)
        self.out_fc2 = torch.nn.Linear(hid, hid)
        self.out_fc3 = torch.nn.Linear(hid, dims)
        self.active = [k for k in range(num_types) if k not in skip]
        self.hid = hid

    def single_step(self, x, rel_rec, rel_send, z):
        # x: [B, A, N, D]; z: [B, A, E, K]
        pre = torch.cat([rel_send @ x, rel_rec @ x], dim=-1)
        msgs = x.new_zeros(pre.shape[:-1] + (self.hid, ))
        for k in self.active:
            m = F.relu(self.msg_fc2[k](F.relu(self.msg_fc1[k](pre))))
            msgs = msgs + m * z[..., k:k + 1]
        agg = rel_rec.t() @ msgs
        h = F.relu(self.out_fc1(torch.cat([x, agg], dim=-1)))
        h = F.relu(self.out_fc2(h))
        return x + self.out_fc3(h)

    def forward(self, x, rel_rec, rel_send, z, pred_steps):
        inputs = x.transpose(1, 2)  # [B, T, N, D]
        T = inputs.size(1)
        last = inputs[:, 0::pred_steps]
        zt = z.unsqueeze(1).expand(-1, last.size(1), -1, -1)
        preds = []
        for _ in range(pred_steps):
            last = self.single_step(last, rel_rec, rel_send, zt)
            preds.append(last)
        out = torch.stack(preds, dim=2).flatten(1, 2)
        return out[:, :T - 1].transpose(1, 2)


def dense_rel(num_nodes):
    """One-hot receiver / sender matrices [E, N] in the package's edge
    order (the reference's rel_rec / rel_send)."""
    source, target = fully_connected_edge_index(num_nodes)
    return (F.one_hot(target, num_nodes).float(),
            F.one_hot(source, num_nodes).float())


def dense_gumbel(logits, types, tau=0.5):
    out = []
    for block in torch.split(logits, types, dim=-1):
        u = torch.rand_like(block)
        g = -torch.log(1e-10 - torch.log(u + 1e-10))
        out.append(((block + g) / tau).softmax(-1))
    return torch.cat(out, dim=-1)


def make_dense_step(args, layers):
    family = get_model_family(args.model)
    types = family.model_edge_types(layers)
    width = sum(types)
    skip = set()
    if family.has_non_edge:
        offset = 0
        for k in types:
            skip.add(offset)
            offset += k
    enc = DenseEncoder(FRAMES * DIMS, args.hidden, width)
    dec = DenseDecoder(DIMS, args.hidden, width, skip)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=5e-4)
    rel_rec, rel_send = dense_rel(args.num_particles)
    B, N = args.batch_size, args.num_particles
    x = torch.randn(B, N, 2 * FRAMES, DIMS)

    def step():
        opt.zero_grad()
        logits = enc(x[:, :, :FRAMES], rel_rec, rel_send)
        if family.sigmoid:
            z = torch.sigmoid(logits)
        else:
            z = dense_gumbel(logits, types)
        target = x[:, :, FRAMES:]
        out = dec(target, rel_rec, rel_send, z, PRED_STEPS)
        loss = ((out - target[:, :, 1:])**2 / (2 * 5e-5)).sum() / (B * N)
        if family.has_kl:
            for block in torch.split(logits, types, dim=-1):
                p = block.softmax(-1)
                loss = loss + (p * torch.log(p + 1e-16)).sum() / (B * N)
        loss.backward()
        opt.step()
        return loss

    return step


# ---------------------------------------------------------------- ours
def make_our_step(args, layers):
    model = build_model(args.model, layers, num_timesteps=FRAMES,
                        in_channels=DIMS, hidden_channels=args.hidden)
    model.decoder.checkpoint = args.checkpoint
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    B, N = args.batch_size, args.num_particles
    edge_index = torch.cat([fully_connected_edge_index(N) + b * N
                            for b in range(B)], dim=1)
    x = torch.randn(B * N, 2 * FRAMES, DIMS)
    x_enc, x_dec = x[:, :FRAMES], x[:, FRAMES:]

    def loss_fn(x_enc, x_dec, edge_index):
        logits = model.encode(x_enc, edge_index)
        z = model.sample(logits)
        pred = model.decode(x_dec, edge_index, z, PRED_STEPS)
        loss = gaussian_nll(pred, x_dec[:, 1:])
        if model.family.has_kl:
            loss = loss + kl_categorical(model.sampler.probabilities(logits),
                                         model.model_edge_types, B * N)
        return loss

    if args.compile:
        loss_fn = torch.compile(loss_fn, dynamic=False)

    def step():
        opt.zero_grad()
        loss = loss_fn(x_enc, x_dec, edge_index)
        loss.backward()
        opt.step()
        return loss

    return step


def run_one(args):
    """Times one implementation in this process; prints one JSON line."""
    torch.manual_seed(0)
    layers = SYSTEMS[args.system]
    make = make_our_step if args.impl == 'ours' else make_dense_step
    step = make(args, layers)
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'seconds_per_batch': times[len(times) // 2],
                      'peak_rss_mb': rss_mb}))


def spawn(args, impl, **overrides):
    cmd = [sys.executable, __file__, '--impl', impl]
    opts = vars(args).copy()
    opts.update(overrides)
    for key in ('model', 'system', 'batch_size', 'hidden', 'num_particles',
                'repeats', 'warmup'):
        cmd += ['--' + key.replace('_', '-'), str(opts[key])]
    for flag in ('compile', 'checkpoint'):
        if opts[flag]:
            cmd.append('--' + flag)
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        return {'error': res.stderr.strip().splitlines()[-1:]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def activation_gb(args, num_particles, batch_size):
    """Rough size of the decoder activations kept for backward (all
    rollout steps): two [B, A, E, H] tensors per active type and step."""
    family = get_model_family(args.model)
    types = family.model_edge_types(SYSTEMS[args.system])
    active = sum(types) - (len(types) if family.has_non_edge else 0)
    edges = num_particles * (num_particles - 1)
    anchors = math.ceil((FRAMES - 1) / PRED_STEPS)
    per_step = 2 * batch_size * anchors * edges * args.hidden * active
    return 4 * per_step * PRED_STEPS / 1e9


def sweep(args):
    rows = []
    print(f'{"N":>4} {"ours s":>8} {"ours MB":>8} {"dense s":>8} '
          f'{"dense MB":>9}  note')
    for n in args.sweep_sizes:
        est = activation_gb(args, n, 8)
        checkpoint = est > args.memory_cap_gb
        ours = spawn(args, 'ours', num_particles=n, batch_size=8,
                     checkpoint=checkpoint or args.checkpoint)
        row = {'num_particles': n, 'estimated_activation_gb': round(est, 2),
               'ours': ours, 'ours_checkpoint': checkpoint}
        if est > args.memory_cap_gb:
            row['dense'] = 'skipped (estimated memory above cap)'
        else:
            row['dense'] = spawn(args, 'dense', num_particles=n,
                                 batch_size=8)
        rows.append(row)

        def fmt(r, key):
            return f'{r[key]:.3f}' if isinstance(r, dict) and key in r \
                else '-'

        print(f'{n:>4} {fmt(ours, "seconds_per_batch"):>8} '
              f'{fmt(ours, "peak_rss_mb"):>8} '
              f'{fmt(row["dense"], "seconds_per_batch"):>8} '
              f'{fmt(row["dense"], "peak_rss_mb"):>9}  '
              f'{"checkpointed rollout" if checkpoint else ""}')
    print(json.dumps({'sweep': rows, 'model': args.model,
                      'system': args.system, 'batch_size': 8,
                      'hidden': args.hidden,
                      'memory_cap_gb': args.memory_cap_gb}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', default='fnri',
                        choices=MODEL_FAMILIES, help='the model family')
    parser.add_argument('--system', default='I+C', choices=list(SYSTEMS))
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--hidden', type=int, default=256)
    parser.add_argument('--num-particles', type=int, default=5)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--compile', action='store_true')
    parser.add_argument('--checkpoint', action='store_true',
                        help='recompute decoder steps in backward (ours)')
    parser.add_argument('--sweep', action='store_true')
    parser.add_argument('--sweep-sizes', type=int, nargs='+',
                        default=[5, 10, 20, 50, 100])
    parser.add_argument('--memory-cap-gb', type=float, default=8.0)
    parser.add_argument('--impl', choices=['ours', 'dense'],
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.impl is not None:
        return run_one(args)
    if args.sweep:
        return sweep(args)
    ours = spawn(args, 'ours')
    dense = spawn(args, 'dense')
    if 'error' in ours or 'error' in dense:
        print(json.dumps({'ours': ours, 'dense': dense}))
        sys.exit(1)
    t, tb = ours['seconds_per_batch'], dense['seconds_per_batch']
    print(f'{args.model} {args.system} batch {args.batch_size} hidden '
          f'{args.hidden} N {args.num_particles}: ours {t:.4f} s, dense '
          f'{tb:.4f} s, speedup {tb / t:.2f}x; peak RSS ours '
          f'{ours["peak_rss_mb"]:.0f} MB, dense '
          f'{dense["peak_rss_mb"]:.0f} MB')
    print(json.dumps({
        'model': args.model, 'system': args.system,
        'batch_size': args.batch_size, 'hidden': args.hidden,
        'num_particles': args.num_particles, 'compile': args.compile,
        'seconds_per_batch': t, 'examples_per_s': args.batch_size / t,
        'baseline_seconds_per_batch': tb, 'speedup': tb / t,
        'peak_rss_mb': ours['peak_rss_mb'],
        'baseline_peak_rss_mb': dense['peak_rss_mb']
    }))


if __name__ == '__main__':
    main()
