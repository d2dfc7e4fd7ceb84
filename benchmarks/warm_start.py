r"""The state of a benchmark's training run at the end of its budget, and a
warm start of another run from it.

A late-training lever (a longer decoder window, a smaller learning rate, a
larger batch, another loss) only matters once the curve has flattened, which
takes most of an hour to reach. With ``time_to_accuracy.py --save-state``
the run that got there keeps its weights, the Adam moments and its progress;
``--init-from`` then starts any number of short runs from that point, one
per lever and one with the settings unchanged as the control, so that each
lever costs minutes instead of an hour.

The warm-started run keeps the saved weights and Adam moments and continues
the update, example and epoch counts (its logged ``updates`` go on from the
saved ones, and the schedules of :class:`TrainConfig` read them), but takes
its hyperparameters from its own configuration: the learning rate, its step
decay at the saved epoch and the weight decay.
"""
from typing import Any, Dict


from torch_geometric_fnri.training.checkpoint import (
    load_checkpoint,
    save_checkpoint,
)

#: What a saved state records of its run, and which of it a warm start must
#: share: the same data (system, particles, graph family, candidate graph),
#: model family, mode and model settings (the weights refuse another width
#: on their own, but not a setting without weights, e.g. ``min_distance``).
HEADER_KEYS = ('system', 'num_particles', 'graph', 'candidates', 'model',
               'recipe', 'mode', 'tag', 'seed', 'model_args')
MUST_MATCH = ('system', 'num_particles', 'graph', 'candidates', 'model',
              'mode', 'model_args')

#: What a state saved before its header held a key ran with: the papers'
#: 5 particles with every pair independent; the model settings of such a
#: state are unknown and not checked.
SAVED_DEFAULTS = {'num_particles': 5, 'graph': None, 'candidates': None}


def save_training_state(trainer, path: str, header: Dict[str, Any]) -> None:
    r"""Writes the weights, the optimiser state, the progress
    (:obj:`epoch`, :obj:`updates`, :obj:`examples`) and the weight average
    (if the run keeps one) of :obj:`trainer`, with the :data:`HEADER_KEYS`
    of :obj:`header`, to :obj:`path` (atomically).

    Args:
        trainer (Trainer): A trainer after (or during) :meth:`Trainer.fit`.
        path (str): The destination file.
        header (dict): The run's log header (its :data:`HEADER_KEYS`).
    """
    save_checkpoint({
        'header': {key: header[key] for key in HEADER_KEYS},
        'progress': {'epoch': trainer.epoch, 'updates': trainer.updates,
                     'examples': trainer.examples},
        'model': trainer.model.state_dict(),
        'optimizer': trainer.optimizer.state_dict(),
        **({} if trainer.weight_average is None else
           {'weight_average': trainer.weight_average.state_dict()}),
    }, path)


def warm_start(trainer, path: str, header: Dict[str, Any]) -> Dict[str, Any]:
    r"""Loads a state written by :func:`save_training_state` into
    :obj:`trainer` (before :meth:`Trainer.fit`) and returns what the state
    recorded: its header and progress.

    The learning rate becomes :obj:`config.lr` decayed by the configuration's
    step schedule at the saved epoch, and the weight decay
    :obj:`config.weight_decay`; the Adam moments stay. A run that keeps a
    weight average continues the saved one when its decay is the same,
    and otherwise starts one at the saved weights.

    Args:
        trainer (Trainer): A new trainer of the same system, model family
            and mode.
        path (str): The saved state.
        header (dict): The new run's log header (its :data:`MUST_MATCH`
            keys are checked against the saved ones).

    Raises:
        ValueError: If the state comes from other data, another model
            family, mode or model settings, or does not fit the model.
    """
    state = load_checkpoint(path)
    if not {'header', 'progress', 'model', 'optimizer'} <= set(state):
        raise ValueError(f"'{path}' is not a state saved by "
                         f"time_to_accuracy.py --save-state")
    saved = {**SAVED_DEFAULTS, **state['header']}
    for key in MUST_MATCH:
        if key not in saved:  # model_args of a state saved before 12-07.
            continue
        if saved[key] != header[key]:
            raise ValueError(f"'{path}' holds a run with {key} "
                             f"{saved[key]!r}, not {header[key]!r}")
    try:
        trainer.model.load_state_dict(state['model'])
    except RuntimeError as error:
        raise ValueError(f"the weights in '{path}' do not fit this model "
                         f"(another width or setting?): "
                         f"{str(error).splitlines()[0]}") from None
    # The saved run's Adam moments under this run's hyperparameters (its
    # own optimiser's parameter groups: learning rate, weight decay).
    optimizer = trainer.optimizer
    optimizer.load_state_dict({
        'state': state['optimizer']['state'],
        'param_groups': optimizer.state_dict()['param_groups']})
    # This run's step decay, at the saved epoch.
    progress = state['progress']
    epoch, scheduler = progress['epoch'], trainer.scheduler
    scheduler.last_epoch = epoch
    for group, base, decay in zip(optimizer.param_groups,
                                  scheduler.base_lrs, scheduler.lr_lambdas):
        group['lr'] = base * decay(epoch)
    scheduler._last_lr = [group['lr'] for group in optimizer.param_groups]
    average = trainer.weight_average
    if average is not None:
        saved_average = state.get('weight_average')
        if saved_average is not None and \
                saved_average['decay'] == average.decay:
            average.load_state_dict(saved_average)
        else:
            average.reset(trainer.model)
    trainer.epoch = epoch
    trainer.updates = progress['updates']
    trainer.examples = progress['examples']
    return {'path': path, **saved, **progress}


def state_path(pattern: str, seed: int) -> str:
    r"""The state file of :obj:`seed`: :obj:`pattern` with ``{seed}``
    replaced (a pattern without it serves every seed)."""
    return pattern.replace('{seed}', str(seed))
