from typing import List, Optional, Union

from torch_geometric_fnri.nn.models.cnn_encoder import CNNEncoder
from torch_geometric_fnri.nn.models.mlp_decoder import MLPDecoder
from torch_geometric_fnri.nn.models.mlp_encoder import MLPEncoder
from torch_geometric_fnri.model_family import get_model_family
from torch_geometric_fnri.nn.models.relational_inference import (
    RelationalInference,
)
from torch_geometric_fnri.nn.models.rnn_decoder import RNNDecoder
from torch_geometric_fnri.nn.models.static_decoder import StaticDecoder
from torch_geometric_fnri.nn.multiplex_edge_sampler import (
    MultiplexEdgeSampler,
)
from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts
from torch_geometric_fnri.utils.int_checks import is_int


def build_model(family: str, num_edge_types: List[int],
                num_timesteps: int = 49, in_channels: int = 4,
                hidden_channels: int = 256, encoder: str = 'mlp',
                decoder: str = 'mlp', skip_first: bool = True,
                tau: float = 0.5, hard: bool = False,
                noise_scale: Union[float, List[float]] = 1.0,
                encoder_dropout: float = 0., decoder_dropout: float = 0.,
                sharpness: float = 1.0, split_point: int = 0,
                symmetric: bool = False,
                checkpoint_decoder: bool = False,
                relative_messages: bool = False,
                central_forces: bool = False,
                min_distance: float = 0.01,
                pairwise_messages: bool = True,
                encoder_hidden_channels: Optional[int] = None,
                ) -> RelationalInference:
    r"""Builds NRI, fNRI or sfNRI with the paper's layer sizes as a
    :class:`RelationalInference` model.

    Args:
        family (str): The model family, :obj:`'nri'`, :obj:`'fnri'` or
            :obj:`'sfnri'` (see :class:`ModelFamily`).
        num_edge_types (List[int]): The data's label layers :math:`[K_l]`
            (*e.g.* :obj:`[2, 2]` for springs + charges). NRI uses
            :math:`\prod_l K_l` types, fNRI one layer-graph per entry, sfNRI
            one sigmoid factor per (binary) entry.
        num_timesteps (int, optional): Frames seen by the encoder
            (MLP encoder input size :math:`T \cdot D`): by default 49 of
            99, not the trajectory's length, which
            :func:`~torch_geometric_fnri.training.make_model` and the
            recipes' :obj:`build_model` take as :obj:`num_frames` and split
            with a :class:`~torch_geometric_fnri.training.FrameSplit`.
            (default: :obj:`49`)
        in_channels (int, optional): Features per frame :math:`D`.
            (default: :obj:`4`)
        hidden_channels (int, optional): Hidden size of the decoder, and of
            the encoder unless :obj:`encoder_hidden_channels` is given.
            (default: :obj:`256`)
        encoder (str, optional): :obj:`'mlp'` or :obj:`'cnn'`.
            (default: :obj:`'mlp'`)
        decoder (str, optional): :obj:`'mlp'`, :obj:`'rnn'` or
            :obj:`'static'`. (default: :obj:`'mlp'`)
        skip_first (bool, optional): First type of every layer-graph is the
            non-edge (ignored by sfNRI, which never skips).
            (default: :obj:`True`)
        tau (float, optional): Gumbel-softmax temperature.
            (default: :obj:`0.5`)
        hard (bool, optional): Straight-through hard samples (sfNRI:
            rounding). (default: :obj:`False`)
        noise_scale (float or List[float], optional): Scale of the Gumbel
            noise of NRI's and fNRI's samples, or one per layer-graph;
            :obj:`0.` trains the decoder on the relaxed posterior without
            noise (see
            :class:`~torch_geometric_fnri.nn.MultiplexEdgeSampler`).
            (default: :obj:`1.0`)
        encoder_dropout (float, optional): (default: :obj:`0.`)
        decoder_dropout (float, optional): (default: :obj:`0.`)
        sharpness (float, optional): sfNRI sigmoid sharpness.
            (default: :obj:`1.0`)
        split_point (int, optional): Where the encoder's per-layer-graph
            heads branch off (fNRI and sfNRI, see :class:`MLPEncoder` and
            :class:`CNNEncoder`); the paper's Table 3 counts are :obj:`0`.
            (default: :obj:`0`)
        symmetric (bool, optional): Average the logits of every edge and
            its reverse (see :class:`RelationalInference`).
            (default: :obj:`False`)
        checkpoint_decoder (bool, optional): Recompute the MLP decoder's
            activations in the backward pass instead of storing them (see
            :class:`MLPDecoder`; less memory for large graphs).
            (default: :obj:`False`)
        relative_messages (bool, optional): Give the MLP decoder's message
            MLPs the relative geometry of every edge (see
            :class:`MLPDecoder`; not in the papers, and the parameter count
            is then not the paper's). (default: :obj:`False`)
        central_forces (bool, optional): Add learned pairwise central
            forces to the MLP decoder's velocity step (see
            :class:`MLPDecoder`; not in the papers, and the parameter count
            is then not the paper's). (default: :obj:`False`)
        min_distance (float, optional): :math:`d_{\min}` of the MLP
            decoder's inverse distance and directions with
            :obj:`relative_messages` or :obj:`central_forces`, in the units
            of the positions (see :class:`MLPDecoder`).
            (default: :obj:`0.01`)
        pairwise_messages (bool, optional): If set to :obj:`False`, the MLP
            decoder has no message MLPs and the edges act through its
            central forces alone (see :class:`MLPDecoder`; needs
            :obj:`central_forces`; not in the papers, and the parameter
            count is then not the paper's). (default: :obj:`True`)
        encoder_hidden_channels (int, optional): Hidden size of the encoder
            when it differs from the decoder's (a wide encoder with a
            narrow decoder; the parameter count is then not the paper's).
            :obj:`None` gives the encoder :obj:`hidden_channels`.
            (default: :obj:`None`)

    The returned model's :attr:`~RelationalInference.config` builds it
    again (:meth:`RelationalInference.from_config`; trained runs store it,
    see :func:`~torch_geometric_fnri.training.load_trained`).
    """
    model_family = get_model_family(family)
    layers = as_edge_type_counts(num_edge_types)
    if any(k < 2 for k in layers):
        raise ValueError(f"every layer-graph needs at least 2 edge types "
                         f"(got num_edge_types={layers})")
    if encoder_hidden_channels is None:
        encoder_hidden_channels = hidden_channels
    for name, value in (('num_timesteps', num_timesteps),
                        ('in_channels', in_channels),
                        ('hidden_channels', hidden_channels),
                        ('encoder_hidden_channels',
                         encoder_hidden_channels)):
        if not is_int(value) or value < 1:
            raise ValueError(f"'{name}' must be a positive int "
                             f"(got {value!r})")
    model_types = model_family.model_edge_types(layers)
    skip_first = skip_first and model_family.has_non_edge
    width = sum(model_types)
    if split_point != 0 and not model_family.has_split_heads:
        raise ValueError(f"'split_point={split_point}' needs fNRI or sfNRI; "
                         f"NRI has a single layer-graph")

    heads = model_family.encoder_heads(layers)
    out_channels = heads if split_point else width
    if encoder == 'mlp':
        enc = MLPEncoder(num_timesteps * in_channels,
                         encoder_hidden_channels,
                         out_channels, dropout=encoder_dropout,
                         split_point=split_point)
    elif encoder == 'cnn':
        enc = CNNEncoder(in_channels, encoder_hidden_channels, out_channels,
                         dropout=encoder_dropout, split_point=split_point)
    else:
        raise ValueError(f"'encoder' must be 'mlp' or 'cnn' "
                         f"(got {encoder!r})")

    if decoder == 'mlp':
        dec = MLPDecoder(in_channels, hidden_channels, model_types,
                         skip_first=skip_first, dropout=decoder_dropout,
                         checkpoint=checkpoint_decoder,
                         relative_messages=relative_messages,
                         central_forces=central_forces,
                         min_distance=min_distance,
                         pairwise_messages=pairwise_messages)
    elif decoder == 'rnn':
        dec = RNNDecoder(in_channels, hidden_channels, model_types,
                         skip_first=skip_first, dropout=decoder_dropout)
    elif decoder == 'static':
        dec = StaticDecoder(in_channels, model_types)
    else:
        raise ValueError(f"'decoder' must be 'mlp', 'rnn' or 'static' "
                         f"(got {decoder!r})")
    for name, value in (('checkpoint_decoder', checkpoint_decoder),
                        ('relative_messages', relative_messages),
                        ('central_forces', central_forces),
                        ('pairwise_messages=False', not pairwise_messages)):
        if value and decoder != 'mlp':
            raise ValueError(f"'{name}' needs the MLP decoder "
                             f"(got decoder={decoder!r})")

    sampler = MultiplexEdgeSampler(model_types, tau=tau, hard=hard,
                                   mode=model_family.sampler_mode,
                                   sharpness=sharpness,
                                   noise_scale=noise_scale)
    return RelationalInference(enc, dec, sampler, family, layers,
                               symmetric=symmetric)
