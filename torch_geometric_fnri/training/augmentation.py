r"""The augmentation of the training inputs that a :class:`TrainConfig`
asks for (:obj:`box_symmetry_augmentation`)."""
from typing import Any, Optional

from torch_geometric_fnri.transforms import (
    RandomBoxSymmetry,
    TrajectoryNormalizer,
)

from .config import TrainConfig


def training_augmentation(config: TrainConfig, stats: Any,
                          num_features: int
                          ) -> Optional[RandomBoxSymmetry]:
    r"""The box-symmetry augmentation of (x, y, vx, vy) features when
    :obj:`config.box_symmetry_augmentation` is set (:obj:`None`
    otherwise), for features normalised by the datasets' statistics
    :obj:`stats`, or in physical units without them. Raises a
    :class:`ValueError` for other than four features and a
    :class:`TypeError` for statistics that are no
    :class:`~torch_geometric_fnri.transforms.TrajectoryNormalizer`.

    Args:
        config (TrainConfig): The run configuration.
        stats (TrajectoryNormalizer, optional): The datasets' statistics.
        num_features (int): Features per frame.
    """
    if not config.box_symmetry_augmentation:
        return None
    if num_features != 4:
        raise ValueError(f"'box_symmetry_augmentation' needs (x, y, vx, vy) "
                         f"features (got {num_features} features)")
    if stats is None:
        return RandomBoxSymmetry()
    if not isinstance(stats, TrajectoryNormalizer):
        raise TypeError(f"'box_symmetry_augmentation' needs the datasets' "
                        f"'stats' to be a TrajectoryNormalizer (got "
                        f"{type(stats).__name__})")
    return RandomBoxSymmetry.from_normalizer(stats)
