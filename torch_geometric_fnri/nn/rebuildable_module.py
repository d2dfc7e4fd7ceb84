r"""Layers that record the arguments they were built with, so that a model
made of them can be stored as plain data and built again (see
:attr:`~torch_geometric_fnri.nn.RelationalInference.config`)."""
import functools
import inspect
import numbers
from typing import Any, Dict

import torch


class RebuildableModule(torch.nn.Module):
    r"""A :class:`torch.nn.Module` that records the arguments of its
    constructor, defaults included, so that
    :obj:`type(module)(**module.arguments)` builds it again (the same
    parameters, freshly initialised).

    A subclass derives from it and does nothing else: its :obj:`__init__`
    is wrapped to record its arguments once it has run, so a subclass of a
    subclass records its own.
    """
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if '__init__' in cls.__dict__:
            cls.__init__ = _recording(cls.__init__)

    @property
    def arguments(self) -> Dict[str, Any]:
        r"""The constructor's arguments by name, as plain data (lists for
        sequences, Python numbers): what JSON stores. Raises a
        :class:`TypeError` for an argument that is no such data."""
        return {name: _plain(value, f'{type(self).__name__}({name}=...)')
                for name, value in self._arguments.items()}


def _recording(init):
    # __init__ that records its bound arguments after it has run.
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        self._arguments = dict(list(bound.arguments.items())[1:])

    return __init__


def _plain(value: Any, where: str) -> Any:
    # `value` as plain data: None, bool, str, int, float or lists of them.
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item, where) for item in value]
    raise TypeError(f"{where} was given a {type(value).__name__}, which "
                    f"cannot be stored as plain data (None, bool, str, int, "
                    f"float or a list of them): build it with plain values")
