r"""A line per epoch of training that shows which layer-graphs a run has
learnt so far."""
from typing import Any, Callable, Dict


def progress_printer(trainer, every: int = 5
                     ) -> Callable[[Dict[str, Any]], None]:
    r"""A callback for :meth:`Trainer.fit` (its :obj:`on_epoch_end`) that
    prints one line every :obj:`every` epochs and after the last: the
    epoch, the updates so far, the training minutes (of this process) and
    the validation edge accuracy, combined and per layer-graph::

        epoch  20/20,  3,140 updates,   2.3 min: validation accuracy 0.454
        (ideal_springs 0.863, charges 0.530)

    (one line; nothing for modes without an encoder).

    Args:
        trainer (Trainer): The trainer whose :meth:`~Trainer.fit` calls it
            (it reads :obj:`config.epochs`, :obj:`layer_names` and
            :obj:`updates`).
        every (int, optional): Print every this many epochs; :obj:`0`:
            never. (default: :obj:`5`)
    """
    minutes = 0.0

    def on_epoch_end(row: Dict[str, Any]) -> None:
        nonlocal minutes
        minutes += row['time'] / 60
        epoch, last = row['epoch'] + 1, trainer.config.epochs
        if 'valid_acc_combined' not in row or every == 0 or (
                epoch % every and epoch != last):
            return
        layers = ', '.join(f"{name} {row[f'valid_acc_{name}']:.3f}"
                           for name in trainer.layer_names)
        print(f'epoch {epoch:>3}/{last}, {trainer.updates:>6,} updates, '
              f'{minutes:5.1f} min: validation accuracy '
              f"{row['valid_acc_combined']:.3f} ({layers})", flush=True)

    return on_epoch_end
