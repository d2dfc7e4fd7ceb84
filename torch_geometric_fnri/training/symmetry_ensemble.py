r"""The encoder averaged over the symmetries of the square box.

The particle systems of this library are symmetric under the eight
symmetries of their square box (:data:`~torch_geometric_fnri.transforms.
BOX_SYMMETRIES`): each maps a trajectory to another trajectory of the
same system with the same interaction graph. A trained encoder is not
exactly invariant to them, and its eight views of one simulation make
partly independent errors. Averaging its logits over the eight views is
an ensemble that needs no training and no labels (test-time
augmentation); the average is invariant to the symmetries by
construction. Not in the papers; it costs eight encoder passes, where
:func:`refine_edge_logits` costs hundreds of decoder rollouts.
"""
from typing import Optional

import torch
from torch import Tensor

from torch_geometric_fnri.transforms import BOX_SYMMETRIES, RandomBoxSymmetry
from torch_geometric_fnri.transforms.box_symmetry import apply_box_symmetry


def symmetry_ensemble_logits(model: torch.nn.Module, x: Tensor,
                             edge_index: Tensor,
                             batch: Optional[Tensor],
                             symmetries: RandomBoxSymmetry) -> Tensor:
    r"""Returns the mean of :obj:`model.encode` over the eight box
    symmetries :math:`g` of the encoder's input,
    :math:`\frac{1}{8} \sum_g f(g \cdot x)`, :obj:`[E, W]`.

    Args:
        model (torch.nn.Module): A
            :class:`~torch_geometric_fnri.nn.RelationalInference` model.
        x (torch.Tensor): The encoder's frames :obj:`[N, T, D]`.
        edge_index (torch.Tensor): The candidate edges :obj:`[2, E]`.
        batch (torch.Tensor, optional): The graph of every node :obj:`[N]`
            (see :meth:`RelationalInference.encode`).
        symmetries (RandomBoxSymmetry): Which features are 2D vectors and
            their centres (:func:`feature_box_symmetries` for a dataset's
            normalised features).
    """
    total = None
    for index in range(len(BOX_SYMMETRIES)):
        symmetry = torch.full((x.size(0), ), index, dtype=torch.long,
                              device=x.device)
        view = apply_box_symmetry(x, symmetry, symmetries.vector_dims,
                                  symmetries.centers)
        logits = model.encode(view, edge_index, batch)
        total = logits if total is None else total + logits
    return total / len(BOX_SYMMETRIES)
