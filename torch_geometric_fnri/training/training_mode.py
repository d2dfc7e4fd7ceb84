r"""The training modes and the decoder each one needs: the static mode
evaluates the :class:`~torch_geometric_fnri.nn.StaticDecoder` (the
no-change baseline, nothing to train) and every other mode a learned
decoder."""
from typing import Optional

import torch

from torch_geometric_fnri.nn import StaticDecoder

#: The training modes (see :obj:`TrainConfig.mode`).
MODES = ('learned', 'supervised', 'true_graph', 'static')

#: The mode of the static baseline.
STATIC_MODE = 'static'

#: The :func:`~torch_geometric_fnri.nn.build_model` decoder of the static
#: mode.
STATIC_DECODER = 'static'


def decoder_for_mode(mode: str, decoder: str = 'mlp') -> str:
    r"""The :func:`~torch_geometric_fnri.nn.build_model` decoder of a model
    trained in :obj:`mode`: the static decoder for the static mode (the
    default :obj:`'mlp'` is replaced), :obj:`decoder` otherwise.

    Args:
        mode (str): The training mode, one of :data:`MODES`.
        decoder (str, optional): The requested decoder. (default:
            :obj:`'mlp'`)
    """
    if mode not in MODES:
        raise ValueError(f"'mode' must be one of {list(MODES)} "
                         f"(got {mode!r})")
    if mode == STATIC_MODE:
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
    if static and mode != STATIC_MODE:
        raise ValueError(f"the model's StaticDecoder has nothing to train: "
                         f"evaluate it with mode='static' (got "
                         f"mode={mode!r})")
    if mode == STATIC_MODE and not static:
        raise ValueError(f"the 'static' mode evaluates a model with the "
                         f"StaticDecoder (got {type(decoder).__name__}): "
                         f"build it with make_model(..., 'static', ...)")
