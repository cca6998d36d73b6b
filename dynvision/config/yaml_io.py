"""Strict YAML reading and canonical writing.

PyYAML's safe loader follows YAML 1.1: ``1e-3`` is read as a *string* and a
duplicated key silently keeps the last value. Both are classic sources of
configs that "load fine" and then train wrong, so this loader reads YAML 1.2
style floats and rejects duplicate keys.
"""
from __future__ import annotations

import os
import re
from typing import Any

import yaml

from .errors import ConfigError

_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class StrictLoader(yaml.SafeLoader):
    """Safe loader with YAML 1.2 floats and duplicate-key errors."""


# Replace the float resolver (YAML 1.1 requires a dot) with one that accepts 1e-3.
StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:float"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            mark = key_node.start_mark
            raise ConfigError(
                f"{mark.name}:{mark.line + 1}: duplicate key {key!r} (each key may appear once)"
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, name: str = "<string>") -> Any:
    """Parse YAML text with :class:`StrictLoader`; syntax errors name ``name``."""
    try:
        loader = StrictLoader(text)
        loader.name = name
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: not valid YAML: {exc}") from None


def read_yaml(path: str | os.PathLike) -> Any:
    """Read a YAML file strictly; a missing file is a :class:`ConfigError`."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    return parse_yaml(text, name=path)


def dump_yaml(data: Any) -> str:
    """Block-style YAML, keys in the order given (the schema's order)."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, allow_unicode=True)
