"""Which true edge-type combinations each learned encoder merges."""
import itertools
import os.path as osp

import torch

from torch_geometric_fnri.metrics import mapping_table
from torch_geometric_fnri.model_family import (
    MODEL_FAMILIES,
    get_model_family,
)

from .protocols import layer_names
from .run_files import finished, read_json, run_dir


def confusion_report(out: str, system: str, seed: int, epochs: int) -> str:
    """Each learned model's test edges after :obj:`epochs` epochs: for every
    true type combination (a column, one digit per layer, layer 0 first)
    the share predicted as each class (a row, named by the combination the
    validation mapping gives it). Shows which combinations an encoder
    merges; leaves out runs not finished at :obj:`epochs` and runs without
    ``edge_confusion`` in their ``metrics.json``."""
    layers = layer_names(system)
    combos = [''.join(str(d) for d in digits) for digits in
              itertools.product((0, 1), repeat=len(layers))]
    parts = []
    for model in MODEL_FAMILIES:
        metrics = read_json(osp.join(run_dir(out, system, model, 'learned',
                                             seed), 'metrics.json'))
        if not finished(metrics, 'learned', epochs) or \
                'edge_confusion' not in metrics['test']:
            continue
        test = metrics['test']
        confusion = torch.tensor(test['edge_confusion'], dtype=torch.float64)
        pred_num_classes = get_model_family(model).pred_num_classes(
            [2] * len(layers))
        table = mapping_table(test['edge_mapping'], pred_num_classes,
                              [2] * len(layers))
        share = 100 * confusion / confusion.sum(0).clamp(min=1)
        parts += [f'### {model}: test edges of each true combination by '
                  f'predicted class ({system}, %)', '',
                  f"Combinations: one digit per layer ({', '.join(layers)})"
                  '; the row is the predicted class, named by the '
                  'combination it is mapped to.', '',
                  '| predicted as | ' + ' | '.join(combos) + ' |',
                  '|' + '---|' * (1 + len(combos))]
        for index, mapped in enumerate(table):
            name = combos[mapped] if mapped >= 0 else f'class {index} (none)'
            parts.append(f'| {name} | ' + ' | '.join(
                f'{v:.1f}' for v in share[index].tolist()) + ' |')
        parts.append('')
    return '\n'.join(parts)
