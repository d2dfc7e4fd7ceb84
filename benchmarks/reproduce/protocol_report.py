"""The whole report of a protocol's runs: the paper's tables and, for the
learning-curve protocol, the curves and confusion tables."""
from typing import Dict

from .confusion import confusion_report
from .curves import curve_report, models_curve_report
from .protocols import Protocol
from .tables import report


def protocol_report(protocol: Protocol, name: str, out: str,
                    results: Dict) -> str:
    """The Markdown report of the runs of :obj:`protocol` (called
    :obj:`name`) in :obj:`out`, whose table rows are :obj:`results` (see
    :func:`~.tables.collect`)."""
    text = report(protocol, name, results)
    if name != 'reference-curve':
        return text
    sections = []
    for seed in protocol.seeds:
        parts = [curve_report(out, seed)]
        for system in protocol.systems:
            parts += [models_curve_report(out, system, seed),
                      confusion_report(out, system, seed, protocol.epochs)]
        parts = [part for part in parts if part]
        if parts:
            sections += [f'### Seed {seed}: curves and confusion tables\n']
            sections += parts
    return text + '\n' + '\n'.join(sections)
