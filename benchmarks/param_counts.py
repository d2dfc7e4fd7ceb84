"""Parameter counts of NRI, fNRI and sfNRI against the fNRI paper's Table 3.

Usage: python benchmarks/param_counts.py

Counts include BatchNorm affine parameters and the message MLPs of skipped
(non-edge) types; T = 49 encoder frames, D = 4, H = 256. The last line is
JSON mapping "<model> <system>" to {"encoder": n, "decoder": n} and
"fNRI <system> split <s>" to {"encoder": n} for the encoders with
per-layer-graph heads.
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
# fNRI encoders with per-layer-graph heads (split points 1 and 2); not in
# the paper, counted from the reference code (ekwebb/fNRI).
REFERENCE_SPLIT = {
    ('I+C', 1): 973828,
    ('I+C', 2): 1105924,
    ('I+C+F', 1): 1237510,
    ('I+C+F', 2): 1501702,
}


def count(module):
    return sum(p.numel() for p in module.parameters())


def main():
    result = {}
    print(f'{"model":<8}{"system":<8}{"encoder":>10}{"decoder":>10}'
          f'  paper (encoder / decoder)')
    for name, family in MODELS.items():
        for system, layers in SYSTEMS.items():
            model = build_model(family, layers)
            enc, dec = count(model.encoder), count(model.decoder)
            key = f'{name} {system}'
            result[key] = {'encoder': enc, 'decoder': dec}
            paper = PAPER[key]
            note = '  {:,} / {:,}  {}'.format(
                *paper, 'ok' if paper == (enc, dec) else 'MISMATCH')
            print(f'{name:<8}{system:<8}{enc:>10,}{dec:>10,}{note}')
    print(f'\n{"fNRI encoder":<14}{"split":>6}{"ours":>11}  reference code')
    for (system, split_point), reference in REFERENCE_SPLIT.items():
        enc = count(build_model('fnri', SYSTEMS[system],
                                split_point=split_point).encoder)
        result[f'fNRI {system} split {split_point}'] = {'encoder': enc}
        print(f'{system:<14}{split_point:>6}{enc:>11,}  {reference:,}  ' +
              ('ok' if enc == reference else 'MISMATCH'))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
