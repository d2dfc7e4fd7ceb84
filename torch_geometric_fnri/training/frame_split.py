r"""Which frames of a trajectory the encoder reads and which the decoder
predicts: the one place that splits them, for training, evaluation and the
model's encoder."""
from dataclasses import dataclass, replace
from typing import Optional, Tuple

from ..utils.int_checks import check_int


@dataclass(frozen=True)
class FrameSplit:
    r"""The frames of :math:`T`-frame trajectories that a model's encoder
    reads, the first :obj:`encoder_frames`, and those its decoder predicts:
    a later segment, from :obj:`decoder_start` to the last frame (the fNRI
    paper's routine), or with :obj:`shared=True` the encoder's own frames
    (the NRI paper's). With :math:`T = 99` and the defaults the encoder
    reads frames 0..48 and the decoder frames 50..98 (shared: 0..48).

    :attr:`TrainConfig.frame_split` is the split of a run: the
    :class:`Trainer` trains and validates with :meth:`slices` and tests
    with :meth:`test_slices`, and
    :func:`~torch_geometric_fnri.training.make_model` gives the encoder
    :meth:`num_encoder_frames`.

    Args:
        encoder_frames (int, optional): Frames the encoder reads,
            :obj:`None` for :math:`\lfloor T / 2 \rfloor`.
            (default: :obj:`None`)
        decoder_start (int, optional): The first frame the decoder reads
            when it does not share the encoder's, :obj:`None` for
            :obj:`encoder_frames + 1` (one frame skipped).
            (default: :obj:`None`)
        shared (bool, optional): The decoder reads the encoder's frames.
            (default: :obj:`False`)
    """
    encoder_frames: Optional[int] = None
    decoder_start: Optional[int] = None
    shared: bool = False

    def __post_init__(self):
        if self.encoder_frames is not None:
            check_int('encoder_frames', self.encoder_frames, 1)
        if self.decoder_start is not None:
            check_int('decoder_start', self.decoder_start, 0)
        if not isinstance(self.shared, bool):
            raise TypeError(f"'shared' must be a bool (got {self.shared!r})")

    def num_encoder_frames(self, num_frames: int) -> int:
        r"""The number of frames the encoder reads of trajectories of
        :obj:`num_frames` frames (at least 2).

        Args:
            num_frames (int): :math:`T`, frames per trajectory.
        """
        frames = (num_frames // 2 if self.encoder_frames is None else
                  self.encoder_frames)
        if frames < 2 or frames > num_frames:
            raise ValueError(f"'encoder_frames' must be in [2, {num_frames}] "
                             f"for data with {num_frames} frames (got "
                             f"{frames})")
        return frames

    def slices(self, num_frames: int) -> Tuple[slice, slice]:
        r"""The frames of the encoder and those of the decoder (at least
        2), as slices of trajectories of :obj:`num_frames` frames: what
        training and validation read.

        Args:
            num_frames (int): :math:`T`, frames per trajectory.
        """
        encoder = slice(0, self.num_encoder_frames(num_frames))
        if self.shared:
            return encoder, encoder
        start = (encoder.stop + 1 if self.decoder_start is None else
                 self.decoder_start)
        if num_frames - start < 2:
            raise ValueError(
                f"the decoder needs at least 2 frames from frame {start} "
                f"on, but the data has {num_frames} frames; use longer "
                f"trajectories or routine='nri' (the decoder on the "
                f"encoder's frames)")
        return encoder, slice(start, num_frames)

    def test_slices(self, num_frames: int) -> Tuple[slice, slice]:
        r"""The :meth:`slices` that the test split is evaluated with: the
        decoder always on the later segment, even when it shares the
        encoder's frames in training, as both reference implementations
        do.

        Args:
            num_frames (int): :math:`T`, frames per trajectory.
        """
        return replace(self, shared=False).slices(num_frames)
