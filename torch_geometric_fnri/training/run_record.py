r"""The run record: what rebuilds and uses a trained model, stored by the
:class:`~torch_geometric_fnri.training.Trainer` in every checkpoint and in
``config.json`` (under :obj:`'run'`): the model's
:attr:`~torch_geometric_fnri.nn.RelationalInference.config`
(:obj:`'model'`), the data's :obj:`'num_frames'` and :obj:`'num_features'`
per frame, the :obj:`'encoder_frames'` (start and stop), the training
split's :obj:`'normalizer'`, the :obj:`'layer_names'` and the
:obj:`'candidate_graph'` (its
:attr:`~torch_geometric_fnri.transforms.CandidateGraph.config`, or
:obj:`None` for fully connected graphs)."""
from typing import Any, Dict, Optional, Sequence

import torch

from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.transforms import CandidateGraph

#: Settings of a model's
#: :attr:`~torch_geometric_fnri.nn.RelationalInference.config` that may
#: differ between a run and the model that resumes or loads it, as dotted
#: paths: they change no result.
RESUMABLE_MODEL_SETTINGS = ('decoder.arguments.checkpoint', )


def make_run_record(model: torch.nn.Module, reference: Sequence,
                    encoder_frames: slice, layer_names: Sequence[str],
                    candidate_graph: Optional[CandidateGraph] = None
                    ) -> Dict[str, Any]:
    r"""The run record of a run that trains :obj:`model` on data like
    :obj:`reference`.

    Args:
        model (torch.nn.Module): A
            :class:`~torch_geometric_fnri.nn.RelationalInference` model.
        reference (Sequence[Data]): A split of the run: its first graph
            gives the frame and feature counts, its :obj:`stats` (a
            :class:`~torch_geometric_fnri.transforms.TrajectoryNormalizer`,
            if it has one) the normalizer.
        encoder_frames (slice): The frames the encoder reads.
        layer_names (Sequence[str]): The names of the label layers.
        candidate_graph (CandidateGraph, optional): The run's candidate
            graph. (default: :obj:`None`)
    """
    num_frames, num_features = reference[0].x.shape[1:]
    stats = getattr(reference, 'stats', None)
    return {
        'model': model.config,
        'num_frames': num_frames,
        'num_features': num_features,
        'encoder_frames': [encoder_frames.start, encoder_frames.stop],
        'normalizer': (stats.to_dict() if hasattr(stats, 'to_dict')
                       else None),
        'layer_names': list(layer_names),
        'candidate_graph': (None if candidate_graph is None else
                            candidate_graph.config),
    }


def read_run_record(record: Optional[Dict[str, Any]]
                    ) -> Optional[Dict[str, Any]]:
    r"""A run record as stored, in the current layout. Records written
    before models carried their config hold the
    :func:`~torch_geometric_fnri.nn.build_model` arguments
    (:obj:`'model_arguments'`) instead of :obj:`'model'` and
    :obj:`'num_features'`: the model they build gives its config (the
    global random state is left as it was). Arguments of :obj:`None` (a
    model that :func:`build_model` did not make) give no config and no
    feature count. Records written before the model family had one name
    call it :obj:`'variant'` (in the config or the arguments).

    Args:
        record (dict, optional): The record as stored.
    """
    if record is None:
        return None
    record = dict(record)
    if 'model_arguments' in record:
        arguments = record.pop('model_arguments')
        record['model'] = None
        if arguments is not None:
            with torch.random.fork_rng(devices=[]):
                record['model'] = build_model(
                    **_family_named(arguments)).config
            record['num_features'] = arguments['in_channels']
    elif record.get('model') is not None:
        record['model'] = _family_named(record['model'])
    return record


def _family_named(values: Dict[str, Any]) -> Dict[str, Any]:
    # The model family under its name, 'family', not its former 'variant'.
    values = dict(values)
    if 'variant' in values:
        values['family'] = values.pop('variant')
    return values


def refuse_other_model(first: Optional[Dict[str, Any]],
                       second: Optional[Dict[str, Any]], subject: str,
                       names: Sequence[str], remedy: str) -> None:
    r"""Raises a :class:`ValueError` when two model configs (see
    :attr:`~torch_geometric_fnri.nn.RelationalInference.config`) differ
    beyond :data:`RESUMABLE_MODEL_SETTINGS`: :obj:`"{subject} in [the
    settings, as dotted paths] ({names[0]}: [values], {names[1]}: [values]);
    {remedy}"` (a part of another class by its :obj:`'class'` alone).
    Nothing is compared when either is :obj:`None`.

    Args:
        first (dict, optional): A model config.
        second (dict, optional): The config it is compared with.
        subject (str): What differs, the start of the message.
        names (Sequence[str]): What the two configs are, for the message.
        remedy (str): What to do, the end of the message.
    """
    if first is None or second is None:
        return
    first, second = _flatten(first), _flatten(second)
    differ = sorted(key for key in set(first) | set(second)
                    if key not in RESUMABLE_MODEL_SETTINGS
                    and first.get(key) != second.get(key))
    # A part of another class: its class is named, not its arguments.
    other_classes = [key[:-len('class')] for key in differ
                     if key.endswith('.class')]
    differ = [key for key in differ if not any(
        key.startswith(f'{part}arguments') for part in other_classes)]
    if differ:
        raise ValueError(
            f"{subject} in {differ} ({names[0]}: "
            f"{[first.get(key) for key in differ]}, {names[1]}: "
            f"{[second.get(key) for key in differ]}); {remedy}")


def _flatten(values: Dict[str, Any], prefix: str = '') -> Dict[str, Any]:
    # The leaves of nested dicts by dotted path.
    flat = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f'{prefix}{key}.'))
        else:
            flat[f'{prefix}{key}'] = value
    return flat
