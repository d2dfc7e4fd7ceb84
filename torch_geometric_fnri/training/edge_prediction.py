r"""The encoder's reading of every batch of a dataset: the one loop that
predicts edge types (used by inference and the benchmarks; :func:`evaluate`
runs the same encoding beside the decoder)."""
from typing import Iterable, Iterator, Optional, Tuple

import torch
from torch import Tensor

from torch_geometric_fnri.transforms import RandomBoxSymmetry

from .symmetry_ensemble import symmetry_ensemble_logits


@torch.no_grad()
def predict_edges(model: torch.nn.Module, loader: Iterable,
                  encoder_frames: slice,
                  symmetries: Optional[RandomBoxSymmetry] = None
                  ) -> Iterator[Tuple[object, Tensor, Tensor]]:
    r"""Encodes every batch of :obj:`loader` with :obj:`model` in
    evaluation mode (restoring its mode afterwards, also when the loop is
    left early) and yields :obj:`(batch, logits, predicted)`: the batch,
    the edge logits :obj:`[E, W]` of
    :meth:`~torch_geometric_fnri.nn.RelationalInference.encode` on the
    frames :obj:`encoder_frames`, and the predicted classes :obj:`[E, P]`
    of :meth:`~torch_geometric_fnri.nn.RelationalInference.predict_edge_types`.

    Args:
        model (torch.nn.Module): A :class:`RelationalInference` model.
        loader (Iterable): Batches with :obj:`x` :obj:`[N, T, D]`,
            :obj:`edge_index` :obj:`[2, E]` and :obj:`batch` :obj:`[N]`.
        encoder_frames (slice): The frames the encoder reads.
        symmetries (RandomBoxSymmetry, optional): Average the encoder's
            logits over the eight box symmetries of its input
            (:func:`symmetry_ensemble_logits`). (default: :obj:`None`)
    """
    was_training = model.training
    model.eval()
    try:
        for batch in loader:
            x = batch.x[:, encoder_frames]
            if symmetries is None:
                logits = model.encode(x, batch.edge_index, batch.batch)
            else:
                logits = symmetry_ensemble_logits(
                    model, x, batch.edge_index, batch.batch, symmetries)
            yield batch, logits, model.predict_edge_types(logits)
    finally:
        model.train(was_training)
