"""The command line: train or resume a protocol and write its report."""
import argparse
import json
import os
import os.path as osp
import time
from dataclasses import asdict, replace
from typing import List, Optional

from torch_geometric_fnri.model_family import MODEL_FAMILIES
from torch_geometric_fnri.training.training_mode import MODES
from torch_geometric_fnri.utils.atomic_files import write_json_atomic

from .protocol_report import protocol_report
from .protocols import PAPER_SYSTEMS, PROTOCOLS
from .run_files import read_json, run_dir
from .runs import machine, run_one
from .studies import RESULTS_MD, results_markdown
from .tables import collect


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.reproduce',
        description='Reproduce the fNRI paper tables (resumable).')
    parser.add_argument('--protocol', choices=list(PROTOCOLS),
                        default='cpu')
    parser.add_argument('--systems', nargs='+', choices=PAPER_SYSTEMS)
    parser.add_argument('--models', nargs='+', choices=MODEL_FAMILIES,
                        help='model families')
    parser.add_argument('--modes', nargs='+', choices=MODES)
    parser.add_argument('--seeds', nargs='+', type=int)
    parser.add_argument('--epochs', type=int)
    parser.add_argument('--num-simulations', type=int, nargs=3,
                        metavar=('TRAIN', 'VALID', 'TEST'))
    parser.add_argument('--hidden', type=int)
    parser.add_argument('--num-frames', type=int)
    parser.add_argument('--out', default=None,
                        help='default: runs/reproduce-<protocol>')
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--device', default='auto')
    parser.add_argument('--report-only', action='store_true',
                        help='train nothing: rewrite <out>/results.md and '
                        'results.json from the runs in --out')
    parser.add_argument('--report', action='store_true',
                        help='train nothing: rewrite docs/RESULTS.md from '
                        'the stored studies in results/reproduce/')
    parser.add_argument('--reevaluate', action='store_true',
                        help='test finished runs again from their best '
                        'checkpoint (runs without checkpoints are kept)')
    args = parser.parse_args(argv)

    if args.report:
        with open(RESULTS_MD, 'w') as f:
            f.write(results_markdown())
        print(f'wrote {RESULTS_MD}')
        return
    protocol = PROTOCOLS[args.protocol]
    overrides = {k: tuple(getattr(args, k)) for k in
                 ('systems', 'models', 'modes', 'seeds')
                 if getattr(args, k)}
    for key in ('epochs', 'hidden', 'num_frames'):
        value = getattr(args, key)
        if value is not None:
            if value < 1:
                parser.error(f"--{key.replace('_', '-')} must be positive, "
                             f'got {value}')
            overrides[key] = value
    if args.num_simulations is not None:
        if min(args.num_simulations) < 1:
            parser.error(f'--num-simulations must be positive, got '
                         f'{args.num_simulations}')
        overrides['num_simulations'] = tuple(args.num_simulations)
    protocol = replace(protocol, **overrides)
    out = args.out or osp.join('runs', f'reproduce-{args.protocol}')
    os.makedirs(out, exist_ok=True)

    start = time.perf_counter()
    if not args.report_only:
        for system in protocol.systems:
            for seed in protocol.seeds:
                for model in protocol.models:
                    for mode in protocol.modes:
                        if not protocol.has_run(model, mode):
                            continue
                        t = time.perf_counter()
                        res = run_one(protocol, out, system, model, mode,
                                      seed, args.device, args.data_root,
                                      args.reevaluate)
                        acc = res['test'].get('acc_combined')
                        mse = res['test'].get('mse_block_10')
                        info = read_json(osp.join(
                            run_dir(out, system, model, mode, seed),
                            'run_info.json')) or {}
                        print(f'{system} {model} {mode} seed {seed}: '
                              f"{info.get('seconds', 0.0):.0f} s in all "
                              f'({time.perf_counter() - t:.0f} s in this '
                              f'invocation), '
                              f'test combined accuracy {acc}, '
                              f'mse_block_10 {mse}',
                              flush=True)
    results = collect(protocol, out)
    results.update({'protocol': asdict(protocol), 'machine': machine(),
                    'seconds_this_invocation': time.perf_counter() - start})
    text = protocol_report(protocol, args.protocol, out, results)
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write(text + '\n')
    write_json_atomic(osp.join(out, 'results.json'), results)
    print(text)
    print(json.dumps({'protocol': args.protocol, 'out': out,
                      'runs': sum(len(r['seeds']) for r in results['rows']),
                      'seconds': results['seconds_this_invocation']}))
