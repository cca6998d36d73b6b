"""The protocol registry: ``get_protocol("contrast", contrasts=[...])``."""
from __future__ import annotations

import dataclasses
from typing import Any, List, Type

from ..registry import Registry
from .base import Protocol

protocols: Registry = Registry("experiment")


def register_protocol(cls: Type[Protocol]) -> Type[Protocol]:
    """Class decorator: register a :class:`Protocol` under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a class attribute name='...'")
    protocols.add(cls.name, cls)
    return cls


def list_protocols() -> List[str]:
    return protocols.names()


def get_protocol(name: str, **params: Any) -> Protocol:
    """An instance of the protocol ``name``; unknown parameters are an error
    that lists the valid ones."""
    cls = protocols.get(name)
    fields = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise ValueError(f"experiment {name!r} has no parameter(s) {unknown}; valid: {', '.join(fields)}")
    return cls(**params)
