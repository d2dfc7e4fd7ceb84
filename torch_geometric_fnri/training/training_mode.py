r"""The training modes: what each one trains and uses (a
:class:`TrainingMode`), and the decoder each one needs: the static mode
evaluates the :class:`~torch_geometric_fnri.nn.StaticDecoder` (the
no-change baseline, nothing to train) and every other mode a learned
decoder."""
from dataclasses import dataclass
from typing import Dict, Optional

import torch

from torch_geometric_fnri.nn import StaticDecoder


@dataclass(frozen=True)
class TrainingMode:
    r"""One training mode (:obj:`TrainConfig.mode`) and what callers ask
    about it.

    Args:
        name (str): :obj:`'learned'` (encoder, sampled edges and decoder,
            no labels), :obj:`'supervised'` (the encoder alone, on the
            labels), :obj:`'true_graph'` (the decoder alone, on the
            labels' graph) or :obj:`'static'` (the no-change baseline,
            nothing trained).
        uses_encoder (bool): The mode runs the encoder (and is scored on
            edge accuracy).
        uses_decoder (bool): The mode runs a decoder (and is scored on
            trajectory error).
        trains (bool): The mode has parameters to train (all but static).
    """
    name: str
    uses_encoder: bool
    uses_decoder: bool
    trains: bool = True

    @property
    def samples_edges(self) -> bool:
        r"""Whether the decoder gets the encoder's sampled edges (the
        unsupervised :obj:`'learned'` mode, the only one with a KL term)."""
        return self.uses_encoder and self.uses_decoder

    @property
    def needs_labels(self) -> bool:
        r"""Whether training needs the edge labels: the supervised encoder
        learns them, the true-graph decoder is fed them."""
        return self.trains and not self.samples_edges

    @property
    def supervises_encoder(self) -> bool:
        r"""Whether the encoder is trained alone on the labels themselves
        (so it is scored without relabelling)."""
        return self.uses_encoder and not self.uses_decoder

    def trained_module(self, model: torch.nn.Module
                       ) -> Optional[torch.nn.Module]:
        r"""The part of a :class:`RelationalInference` :obj:`model` that
        the mode trains: all of it, its encoder, its decoder, or nothing
        (:obj:`None`, static)."""
        if not self.trains:
            return None
        if self.samples_edges:
            return model
        return model.encoder if self.uses_encoder else model.decoder


#: The mode of the static baseline.
STATIC_MODE = 'static'

#: Every training mode by name.
TRAINING_MODES: Dict[str, TrainingMode] = {
    mode.name: mode for mode in (
        TrainingMode('learned', uses_encoder=True, uses_decoder=True),
        TrainingMode('supervised', uses_encoder=True, uses_decoder=False),
        TrainingMode('true_graph', uses_encoder=False, uses_decoder=True),
        TrainingMode(STATIC_MODE, uses_encoder=False, uses_decoder=True,
                     trains=False),
    )
}

#: The names of the training modes (see :obj:`TrainConfig.mode`).
MODES = tuple(TRAINING_MODES)

#: The :func:`~torch_geometric_fnri.nn.build_model` decoder of the static
#: mode.
STATIC_DECODER = 'static'


def get_training_mode(name: str) -> TrainingMode:
    r"""The :class:`TrainingMode` called :obj:`name` (one of
    :data:`MODES`)."""
    if name not in TRAINING_MODES:
        raise ValueError(f"'mode' must be one of {list(MODES)} "
                         f"(got {name!r})")
    return TRAINING_MODES[name]


def decoder_for_mode(mode: str, decoder: str = 'mlp') -> str:
    r"""The :func:`~torch_geometric_fnri.nn.build_model` decoder of a model
    trained in :obj:`mode`: the static decoder for the static mode (the
    default :obj:`'mlp'` is replaced), :obj:`decoder` otherwise.

    Args:
        mode (str): The training mode, one of :data:`MODES`.
        decoder (str, optional): The requested decoder. (default:
            :obj:`'mlp'`)
    """
    if not get_training_mode(mode).trains:
        if decoder not in ('mlp', STATIC_DECODER):
            raise ValueError(f"the 'static' mode uses the static decoder "
                             f"(got decoder={decoder!r})")
        return STATIC_DECODER
    if decoder == STATIC_DECODER:
        raise ValueError(f"the static decoder belongs to the 'static' mode "
                         f"(got mode={mode!r})")
    return decoder


def check_decoder_fits_mode(decoder: Optional[torch.nn.Module],
                            mode: str) -> None:
    r"""Raises a :class:`ValueError` when a model with :obj:`decoder` cannot
    run in :obj:`mode`: the static mode needs a
    :class:`~torch_geometric_fnri.nn.StaticDecoder`, which no other mode
    can train.

    Args:
        decoder (torch.nn.Module, optional): The model's decoder.
        mode (str): The training mode.
    """
    static = isinstance(decoder, StaticDecoder)
    trains = get_training_mode(mode).trains
    if static and trains:
        raise ValueError(f"the model's StaticDecoder has nothing to train: "
                         f"evaluate it with mode='static' (got "
                         f"mode={mode!r})")
    if not trains and not static:
        raise ValueError(f"the 'static' mode evaluates a model with the "
                         f"StaticDecoder (got {type(decoder).__name__}): "
                         f"build it with make_model(..., 'static', ...)")
