r"""The symmetries of the square box on a dataset's features: the
augmentation of the training inputs that a :class:`TrainConfig` asks for
(:obj:`box_symmetry_augmentation`), and the group the encoder's ensemble
averages over (:obj:`symmetry_ensemble`)."""
from typing import Any, Optional, Sequence

from torch_geometric_fnri.transforms import (
    POSITION_VELOCITY_FEATURES,
    RandomBoxSymmetry,
    TrajectoryNormalizer,
)

from .config import TrainConfig


def training_augmentation(config: TrainConfig, stats: Any,
                          num_features: int
                          ) -> Optional[RandomBoxSymmetry]:
    r"""The box-symmetry augmentation of (x, y, vx, vy) features when
    :obj:`config.box_symmetry_augmentation` is set (:obj:`None`
    otherwise); see :func:`feature_box_symmetries`.

    Args:
        config (TrainConfig): The run configuration.
        stats (TrajectoryNormalizer, optional): The datasets' statistics.
        num_features (int): Features per frame.
    """
    if not config.box_symmetry_augmentation:
        return None
    return feature_box_symmetries(stats, num_features,
                                  'box_symmetry_augmentation')


def feature_box_symmetries(stats: Any, num_features: int, option: str,
                           feature_names: Optional[Sequence[str]] = None
                           ) -> RandomBoxSymmetry:
    r"""The symmetries of the square box acting on (x, y, vx, vy) features
    normalised by the datasets' statistics :obj:`stats`, or in physical
    units without them. Raises a :class:`ValueError` for other than four
    features and a :class:`TypeError` for statistics that are no
    :class:`~torch_geometric_fnri.transforms.TrajectoryNormalizer`; the
    messages name :obj:`option`, the setting that asked for them.

    Args:
        stats (TrajectoryNormalizer, optional): The datasets' statistics.
        num_features (int): Features per frame.
        option (str): The :class:`TrainConfig` field that needs them.
        feature_names (Sequence[str], optional): The dataset's names of
            its features, checked to start with (x, y, vx, vy) when given.
            (default: :obj:`None`)
    """
    if feature_names is not None and \
            tuple(feature_names[:4]) != POSITION_VELOCITY_FEATURES:
        raise ValueError(f"'{option}' needs (x, y, vx, vy) features but the "
                         f"data's features are {list(feature_names)}")
    if num_features != 4:
        raise ValueError(f"'{option}' needs (x, y, vx, vy) features (got "
                         f"{num_features} features)")
    if stats is None:
        return RandomBoxSymmetry()
    if not isinstance(stats, TrajectoryNormalizer):
        raise TypeError(f"'{option}' needs the datasets' 'stats' to be a "
                        f"TrajectoryNormalizer (got {type(stats).__name__})")
    return RandomBoxSymmetry.from_normalizer(stats)
