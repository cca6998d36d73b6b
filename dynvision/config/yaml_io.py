"""Strict YAML reading and canonical writing.

PyYAML's safe loader follows YAML 1.1: ``1e-3`` is read as a *string* and a
duplicated key silently keeps the last value. Both are classic sources of
configs that "load fine" and then train wrong, so this loader reads YAML 1.2
style floats and rejects duplicate keys.

Aliases (``*name``) are bounded: a document may expand to at most
:data:`MAX_YAML_NODES` values counting every alias at each use, so a
"billion laughs" file is refused in milliseconds instead of filling memory
when the config is validated (which copies every expanded value).
"""
from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Tuple, Union

import yaml

from .errors import ConfigError, join_path

#: most values (mapping keys, mapping/list items) one YAML document may expand
#: to, aliases counted at every use; a config has a few hundred
MAX_YAML_NODES = 100_000

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


def _expanded_size(root: yaml.Node, name: str) -> int:
    """Values ``root`` expands to, aliases counted at every use (memoized per
    node, so a bomb is measured without being expanded)."""
    sizes: Dict[int, int] = {}
    pending: set = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in pending:
            mark = node.start_mark
            raise ConfigError(f"{name}:{mark.line + 1}: an alias refers to its own anchor (a recursive structure)")
        pending.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        pending.discard(key)
        sizes[key] = total
        return total

    return size(root)


def _key_lines(root: yaml.Node) -> Dict[str, int]:
    """``{key.path: line}`` (1-based) of every mapping key and list item in the document."""
    lines: Dict[str, int] = {}
    stack: List[Tuple[yaml.Node, Tuple[Union[str, int], ...]]] = [(root, ())]
    while stack:
        node, parts = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path = parts + (str(key_node.value),)
                lines.setdefault(join_path(path), key_node.start_mark.line + 1)
                stack.append((value_node, path))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                path = parts + (i,)
                lines.setdefault(join_path(path), item.start_mark.line + 1)
                stack.append((item, path))
    return lines


def parse_yaml_located(text: str, name: str = "<string>") -> Tuple[Any, Dict[str, int]]:
    """Parse YAML text with :class:`StrictLoader`: ``(data, {key.path: line})``.

    Syntax errors name ``name`` and the line; a document expanding to more than
    :data:`MAX_YAML_NODES` values through aliases is refused before it is built.
    """
    try:
        loader = StrictLoader(text)
        loader.name = name
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}
            total = _expanded_size(node, name)
            if total > MAX_YAML_NODES:
                raise ConfigError(
                    f"{name}: expands to {total:,} values through aliases (*name), more than the "
                    f"{MAX_YAML_NODES:,} a config may hold; write the values out instead of nesting aliases"
                )
            return loader.construct_document(node), _key_lines(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        in_file = mark is not None and not name.startswith(("-", "<"))  # not `--set k=v`, `<string>`
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if in_file else name
        context = f" ({exc.context} at line {exc.context_mark.line + 1})" if exc.context and exc.context_mark else ""
        raise ConfigError(f"{where}: not valid YAML: {exc.problem}{context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: not valid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ConfigError(f"{name}: nested too deeply to be a config") from None


def parse_yaml(text: str, name: str = "<string>") -> Any:
    """Parse YAML text with :class:`StrictLoader`; errors name ``name``."""
    return parse_yaml_located(text, name)[0]


def read_yaml_located(path: str | os.PathLike) -> Tuple[Any, Dict[str, int]]:
    """Read a YAML file strictly: ``(data, {key.path: line})``; a missing file is a :class:`ConfigError`."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    return parse_yaml_located(text, name=path)


def read_yaml(path: str | os.PathLike) -> Any:
    """Read a YAML file strictly; a missing file is a :class:`ConfigError`."""
    return read_yaml_located(path)[0]


def dump_yaml(data: Any) -> str:
    """Block-style YAML, keys in the order given (the schema's order)."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, allow_unicode=True)
