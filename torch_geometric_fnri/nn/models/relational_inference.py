from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from torch_geometric_fnri.losses import (
    edge_type_bce,
    edge_type_cross_entropy,
    kl_categorical,
)
from torch_geometric_fnri.metrics.edge_type_prediction import (
    edge_type_argmax,
)
from torch_geometric_fnri.nn._validation import check_edge_values
from torch_geometric_fnri.nn.multiplex_edge_sampler import (
    MultiplexEdgeSampler,
)
from torch_geometric_fnri.utils import reverse_edge_permutation
from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts

from torch_geometric_fnri.model_family import get_model_family
from .cnn_encoder import CNNEncoder
from .mlp_decoder import MLPDecoder
from .mlp_encoder import MLPEncoder
from .rnn_decoder import RNNDecoder
from .static_decoder import StaticDecoder

#: The package's layers that :attr:`RelationalInference.config` records with
#: their arguments and :meth:`RelationalInference.from_config` builds, by
#: class name.
LAYERS = {layer.__name__: layer for layer in (
    MLPEncoder, CNNEncoder, MLPDecoder, RNNDecoder, StaticDecoder,
    MultiplexEdgeSampler)}

#: The parts of a :class:`RelationalInference`, in the order they are built.
PARTS = ('encoder', 'decoder', 'sampler')


class RelationalInference(torch.nn.Module):
    r"""The relational inference model (a VAE in the style of
    :class:`torch_geometric.nn.models.VGAE`) of the `"Neural Relational
    Inference for Interacting Systems" <https://arxiv.org/abs/1802.04687>`_
    and `"Factorised Neural Relational Inference for Multi-Interaction
    Systems" <https://arxiv.org/abs/1905.08721>`_ papers. It composes an
    encoder (trajectories to edge logits), a
    :class:`~torch_geometric_fnri.nn.MultiplexEdgeSampler` and a decoder, and
    maps between the data's label layers and the model's edge types as its
    :attr:`family` (a :class:`ModelFamily`) says:

    * :obj:`'nri'`: one layer-graph with :math:`\prod_l K_l` types, the
      mixed-radix class :math:`\sum_l y_l \prod_{m > l} K_m` (layer 0 most
      significant);
    * :obj:`'fnri'`: one layer-graph per label layer (:math:`K_l` types);
    * :obj:`'sfnri'`: one sigmoid factor per (binary) label layer.

    It owns no training loop. :meth:`encode`, :meth:`sample` and
    :meth:`decode` can be used alone (supervised encoder, true-graph decoder
    via :meth:`edge_weight_from_labels`).

    A model made of the package's layers (:data:`LAYERS`), by
    :func:`build_model` or by hand, carries what builds it again as plain
    data, :attr:`config`, and :meth:`from_config` builds it: trained runs
    store it (:func:`~torch_geometric_fnri.training.load_trained`).

    Trajectories are :obj:`[N, T, D]`, logits and edge weights
    :obj:`[E, W]` and labels :obj:`[E, L]`; see the tensor layout in
    :mod:`torch_geometric_fnri.nn`.

    Args:
        encoder (torch.nn.Module): Maps :obj:`(x, edge_index)` to logits
            :obj:`[E, W]`.
        decoder (torch.nn.Module): Maps :obj:`(x, edge_index, edge_weight,
            pred_steps)` to predictions :obj:`[N, T - 1, D]`.
        sampler (MultiplexEdgeSampler): The edge sampler (width :math:`W`).
        family (str): The name of the model's :attr:`family`,
            :obj:`'nri'`, :obj:`'fnri'` or :obj:`'sfnri'`.
        num_edge_types (List[int]): The data's label layers
            :math:`[K_1, \ldots, K_L]`.
        symmetric (bool, optional): If set to :obj:`True`, :meth:`encode`
            averages the logits of every edge :math:`j \to i` with those of
            its reverse :math:`i \to j` (a symmetric-edge prior, as in
            NRI-MPM, for systems whose interactions are symmetric, such as
            springs and charges; every edge needs its reverse).
            (default: :obj:`False`)
    """
    def __init__(self, encoder: torch.nn.Module, decoder: torch.nn.Module,
                 sampler: MultiplexEdgeSampler, family: str,
                 num_edge_types: List[int], symmetric: bool = False):
        super().__init__()
        self.symmetric = symmetric
        self.family = get_model_family(family)
        self.encoder = encoder
        self.decoder = decoder
        self.sampler = sampler
        self.num_edge_types = as_edge_type_counts(num_edge_types)
        self.family.check_num_edge_types(self.num_edge_types)
        self.model_edge_types = self.family.model_edge_types(
            self.num_edge_types)
        if sampler.width != sum(self.model_edge_types):
            raise ValueError(
                f"'sampler' must have width {sum(self.model_edge_types)} "
                f"for family {family!r} and num_edge_types="
                f"{self.num_edge_types} (got {sampler.width})")
        if sampler.mode != self.family.sampler_mode:
            raise ValueError(f"'sampler' mode must be 'sigmoid' exactly for "
                             f"'sfnri' (got {sampler.mode!r})")

    @property
    def pred_num_classes(self) -> List[int]:
        r"""The class counts of the factors of :meth:`predict_edge_types`."""
        return self.family.pred_num_classes(self.num_edge_types)

    @property
    def skip_first(self) -> bool:
        r"""Whether the decoder skips the first type of every layer-graph
        (the non-edge; the decoder's :obj:`skip_first`, :obj:`False` for a
        decoder without one)."""
        return bool(getattr(self.decoder, 'skip_first', False))

    @property
    def config(self) -> Dict[str, Any]:
        r"""What builds this model again, as plain (JSON) data: the name
        of its :obj:`family`, :obj:`num_edge_types` and :obj:`symmetric`,
        and for every part (:data:`PARTS`) a dict of its :obj:`'class'` and
        :obj:`'arguments'`: the class name and constructor arguments of one
        of the package's layers (:data:`LAYERS`), or the module-qualified
        class name and :obj:`None` for a module of another kind, which
        :meth:`from_config` cannot build."""
        return {
            'family': self.family.name,
            'num_edge_types': list(self.num_edge_types),
            'symmetric': bool(self.symmetric),
            **{part: _part_config(getattr(self, part)) for part in PARTS},
        }

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> 'RelationalInference':
        r"""Builds the model that :obj:`config` (a :attr:`config`)
        describes, freshly initialised: the same parameter names and shapes,
        so that the original's :meth:`state_dict` loads into it. Raises a
        :class:`ValueError` for a part that is not one of the package's
        layers (build that model yourself) and for a dict that is no
        :attr:`config`.

        Args:
            config (dict): A model's :attr:`config`.
        """
        keys = {'family', 'num_edge_types', 'symmetric', *PARTS}
        if not isinstance(config, dict) or set(config) != keys:
            found = sorted(config) if isinstance(config, dict) else config
            raise ValueError(f"'config' must be a dict of {sorted(keys)}, "
                             f"a RelationalInference's config (got "
                             f"{found!r})")
        parts = {part: _build_part(part, config[part]) for part in PARTS}
        return cls(parts['encoder'], parts['decoder'], parts['sampler'],
                   config['family'], config['num_edge_types'],
                   symmetric=config['symmetric'])

    def reset_parameters(self):
        r"""Resets all learnable parameters of the encoder, the decoder and
        (if it has any) the sampler."""
        self.encoder.reset_parameters()
        self.decoder.reset_parameters()
        if hasattr(self.sampler, 'reset_parameters'):
            self.sampler.reset_parameters()

    def encode(self, x: Tensor, edge_index: Tensor,
               batch: Optional[Tensor] = None) -> Tensor:
        r"""Returns edge logits :obj:`[E, W]` (averaged over each edge and
        its reverse when :attr:`symmetric`).

        Args:
            x (torch.Tensor): Node trajectories :obj:`[N, T, D]`.
            edge_index (torch.Tensor): The candidate edges :obj:`[2, E]`.
            batch (torch.Tensor, optional): The graph of every node
                :obj:`[N]`, from which the encoder takes the graph sizes it
                normalises by. Without it they are the in-degrees plus one
                (see :class:`~torch_geometric_fnri.nn.conv.EdgeToNodeConv`),
                which is right only for fully connected graphs: pass it for
                any other candidate graph (*e.g.* nearest neighbours).
                (default: :obj:`None`)
        """
        if batch is None:
            logits = self.encoder(x, edge_index)
        else:
            logits = self.encoder(x, edge_index, batch)
        if self.symmetric:
            reverse = reverse_edge_permutation(edge_index, x.size(0))
            logits = 0.5 * (logits + logits[reverse])
        return logits

    def sample(self, logits: Tensor, deterministic: bool = False,
               generator: Optional[torch.Generator] = None) -> Tensor:
        r"""Samples edge weights :obj:`[E, W]` (see
        :class:`~torch_geometric_fnri.nn.MultiplexEdgeSampler`)."""
        return self.sampler(logits, deterministic, generator)

    def decode(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor,
               pred_steps: int = 1,
               burn_in_steps: Optional[int] = None) -> Tensor:
        r"""Returns predictions :obj:`[N, T - 1, D]` for :obj:`x[:, 1:]`
        (:obj:`burn_in_steps`: see :class:`RNNDecoder`, which alone takes
        it)."""
        if burn_in_steps is None:
            return self.decoder(x, edge_index, edge_weight, pred_steps)
        if not isinstance(self.decoder, RNNDecoder):
            raise ValueError(f"'burn_in_steps' needs the RNN decoder (got "
                             f"{type(self.decoder).__name__})")
        return self.decoder(x, edge_index, edge_weight,
                            burn_in_steps=burn_in_steps)

    def forward(self, x: Tensor, edge_index: Tensor,
                batch: Optional[Tensor] = None, pred_steps: int = 1,
                x_decoder: Optional[Tensor] = None,
                deterministic: bool = False,
                generator: Optional[torch.Generator] = None
                ) -> Tuple[Tensor, Tensor, Tensor]:
        r"""Encodes :obj:`x` (with :obj:`batch`, see :meth:`encode`),
        samples edges (:meth:`sample`) and decodes :obj:`x_decoder`
        (default: :obj:`x`; :meth:`decode`). Returns :obj:`(pred, logits,
        edge_weight)`: :obj:`[N, T' - 1, D]`, :obj:`[E, W]` and
        :obj:`[E, W]`."""
        logits = self.encode(x, edge_index, batch)
        edge_weight = self.sample(logits, deterministic, generator)
        x_decoder = x if x_decoder is None else x_decoder
        pred = self.decode(x_decoder, edge_index, edge_weight, pred_steps)
        return pred, logits, edge_weight

    def _check_labels(self, edge_type: Tensor) -> Tensor:
        layers = len(self.num_edge_types)
        if edge_type.dim() == 1 and layers == 1:
            edge_type = edge_type.unsqueeze(-1)
        check_edge_values(edge_type, edge_type.size(0), layers, 'edge_type')
        high = edge_type.new_tensor(self.num_edge_types)
        if bool(((edge_type < 0) | (edge_type >= high)).any()):
            raise ValueError(f"'edge_type' column l must hold values in "
                             f"[0, K_l) for num_edge_types="
                             f"{self.num_edge_types}")
        return edge_type.long()

    def combined_labels(self, edge_type: Tensor) -> Tensor:
        r"""Returns the mixed-radix class :obj:`[E]` of labels
        :obj:`[E, L]` (layer 0 most significant)."""
        edge_type = self._check_labels(edge_type)
        label = torch.zeros_like(edge_type[:, 0])
        for col, k in enumerate(self.num_edge_types):
            label = label * k + edge_type[:, col]
        return label

    def edge_weight_from_labels(self, edge_type: Tensor) -> Tensor:
        r"""Returns the decoder input :obj:`[E, W]` of the ground-truth
        graph (true-graph decoder): per-layer one-hots (fNRI), the one-hot
        combined class (NRI) or 0/1 floats (sfNRI)."""
        if self.family.joint:
            label = self.combined_labels(edge_type)
            return F.one_hot(label, self.model_edge_types[0]).float()
        edge_type = self._check_labels(edge_type)
        if self.family.sigmoid:
            return edge_type.float()
        return torch.cat([
            F.one_hot(edge_type[:, col], k).float()
            for col, k in enumerate(self.num_edge_types)
        ], dim=-1)

    def predict_edge_types(self, logits: Tensor) -> Tensor:
        r"""Returns predicted classes :obj:`[E, P]` (long): per-layer argmax
        (fNRI, :math:`P = L`), the combined class (NRI, :math:`P = 1`; both
        :func:`~torch_geometric_fnri.metrics.edge_type_argmax`) or
        :math:`\sigma(s h) > 0.5` per factor (sfNRI)."""
        check_edge_values(logits, logits.size(0), self.sampler.width,
                          'logits')
        if self.family.sigmoid:
            return (self.sampler.probabilities(logits) > 0.5).long()
        return edge_type_argmax(logits, self.model_edge_types)

    def factor_probabilities(self, logits: Tensor) -> List[Tensor]:
        r"""The encoder's posterior as one :obj:`[E, C_p]` tensor per
        predicted factor (fNRI: per layer-graph; NRI: one over the combined
        types; sfNRI: :math:`(1 - z, z)` per factor), in the order of
        :attr:`pred_num_classes`."""
        probs = self.sampler.probabilities(logits)
        if self.family.sigmoid:
            return [torch.stack([1 - z, z], dim=-1) for z in probs.unbind(-1)]
        return list(probs.split(self.model_edge_types, dim=-1))

    def kl_loss(self, logits: Tensor, num_nodes: int,
                prior: Optional[Tensor] = None) -> Tensor:
        r"""The KL term (see
        :func:`~torch_geometric_fnri.losses.kl_categorical`) of the
        per-layer posteriors. :obj:`prior` holds prior probabilities
        :obj:`[W]` (each layer block summing to one); without it the uniform
        prior is used. sfNRI has no KL term (as in the reference) and
        returns zero."""
        if not self.family.has_kl:
            return logits.new_zeros(())
        log_prior = None if prior is None else prior.to(logits).log()
        return kl_categorical(self.sampler.probabilities(logits),
                              self.model_edge_types, num_nodes, log_prior)

    def sparsity_prior(self, non_edge: float) -> Tensor:
        r"""Prior probabilities :obj:`[W]` for :meth:`kl_loss` with
        :obj:`non_edge` on the first type of every layer-graph (the
        non-edge; NRI: the combination with no interaction) and the rest
        shared evenly by the other types."""
        if not self.family.has_kl:
            raise ValueError('sfNRI has no KL term, so it takes no prior')
        if not 0 < non_edge < 1:
            raise ValueError(f"'non_edge' must be in (0, 1) "
                             f"(got {non_edge})")
        blocks = []
        for k in self.model_edge_types:
            block = torch.full((k, ), (1 - non_edge) / (k - 1))
            block[0] = non_edge
            blocks.append(block)
        return torch.cat(blocks)

    def supervised_loss(self, logits: Tensor, edge_type: Tensor) -> Tensor:
        r"""The supervised-encoder loss against labels :obj:`[E, L]`."""
        if self.family.sigmoid:
            edge_type = self._check_labels(edge_type)
            return edge_type_bce(logits, edge_type, self.sampler.sharpness)
        if self.family.joint:
            return edge_type_cross_entropy(logits,
                                           self.combined_labels(edge_type),
                                           self.model_edge_types)
        return edge_type_cross_entropy(logits, self._check_labels(edge_type),
                                       self.num_edge_types)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(family={self.family.name!r}, '
                f'num_edge_types={self.num_edge_types}, '
                f'symmetric={self.symmetric},\n'
                f'  encoder={self.encoder},\n  decoder={self.decoder},\n'
                f'  sampler={self.sampler})')


def _part_config(module: torch.nn.Module) -> Dict[str, Any]:
    # The 'class' and 'arguments' of a part (see RelationalInference.config).
    layer = type(module)
    if LAYERS.get(layer.__name__) is layer:
        return {'class': layer.__name__, 'arguments': module.arguments}
    return {'class': f'{layer.__module__}.{layer.__qualname__}',
            'arguments': None}


def _build_part(part: str, config: Dict[str, Any]) -> torch.nn.Module:
    # The part that its entry of a RelationalInference.config describes.
    name = config.get('class') if isinstance(config, dict) else None
    layer = LAYERS.get(name)
    if layer is None or config.get('arguments') is None:
        raise ValueError(
            f"the model's {part} is a {name}, not one of the package's "
            f"layers ({', '.join(LAYERS)}): its config does not say how to "
            f"build it, so build the model yourself")
    return layer(**config['arguments'])
