r"""Optional progress bars (:mod:`tqdm` is an optional dependency)."""
import sys
from typing import Dict, Optional


def progress_enabled(progress: Optional[bool]) -> bool:
    r"""Resolves the :obj:`progress` setting: :obj:`None` means "only when
    stdout and stderr are terminals"; bars also need :mod:`tqdm`."""
    if progress is None:
        progress = sys.stdout.isatty() and sys.stderr.isatty()
    if not progress:
        return False
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


class ProgressBar:
    r"""A :class:`tqdm.tqdm` bar when :obj:`enabled`, otherwise a no-op with
    the same three methods.

    Args:
        total (int): Number of steps.
        desc (str): Label of the bar.
        enabled (bool): Whether to draw anything (see
            :func:`progress_enabled`).
        leave (bool, optional): Keep the bar when done.
            (default: :obj:`True`)
    """
    def __init__(self, total: int, desc: str, enabled: bool,
                 leave: bool = True):
        self._bar = None
        if enabled:
            from tqdm.auto import tqdm
            self._bar = tqdm(total=total, desc=desc, leave=leave,
                             dynamic_ncols=True)

    def update(self, n: int = 1,
               postfix: Optional[Dict[str, float]] = None) -> None:
        if self._bar is None:
            return
        if postfix:
            self._bar.set_postfix({k: f'{v:.4g}'
                                   for k, v in postfix.items()},
                                  refresh=False)
        self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
