"""Parameter counts of NRI, fNRI and sfNRI against the fNRI paper's Table 3.

Usage: python benchmarks/param_counts.py

Counts include BatchNorm affine parameters and the message MLPs of skipped
(non-edge) types; T = 49 encoder frames, D = 4, H = 256. The last line is
JSON mapping "<model> <system>" to {"encoder": n, "decoder": n}.
"""
import json

from torch_geometric_fnri.nn import build_model

SYSTEMS = {'I+C': [2, 2], 'I+C+F': [2, 2, 2]}
MODELS = {'NRI': 'nri', 'fNRI': 'fnri', 'sfNRI': 'sfnri'}
# The paper's Table 3 (encoder, decoder).
PAPER = {
    'NRI I+C': (710660, 406020),
    'NRI I+C+F': (711688, 678404),
    'fNRI I+C': (710660, 406020),
    'fNRI I+C+F': (711174, 542212),
    'sfNRI I+C': (710146, 269828),
    'sfNRI I+C+F': (710403, 337924),
}

def count(module):
    return sum(p.numel() for p in module.parameters())


def main():
    result = {}
    print(f'{"model":<8}{"system":<8}{"encoder":>10}{"decoder":>10}'
          f'  paper (encoder / decoder)')
    for name, variant in MODELS.items():
        for system, layers in SYSTEMS.items():
            model = build_model(variant, layers)
            enc, dec = count(model.encoder), count(model.decoder)
            key = f'{name} {system}'
            result[key] = {'encoder': enc, 'decoder': dec}
            paper = PAPER[key]
            note = '  {:,} / {:,}  {}'.format(
                *paper, 'ok' if paper == (enc, dec) else 'MISMATCH')
            print(f'{name:<8}{system:<8}{enc:>10,}{dec:>10,}{note}')
    print(json.dumps(result))


if __name__ == '__main__':
    main()
