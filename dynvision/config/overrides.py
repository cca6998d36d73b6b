"""``--set a.b=c`` overrides applied to the raw config dict before validation."""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Tuple, Union

from .errors import ConfigError, join_path
from .yaml_io import parse_yaml

Key = Union[str, int]
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_key(key: str) -> List[Key]:
    """``optimizer.param_groups[0].lr`` (or ``param_groups.0.lr``) -> parts."""
    key = key.strip()
    if not key or key.startswith(".") or key.endswith(".") or ".." in key:
        raise ConfigError(f"--set: malformed key {key!r}; expected dotted keys like model.args.tau")
    parts: List[Key] = []
    pos = 0
    for match in _PART.finditer(key):
        between = key[pos:match.start()]
        if between not in ("", "."):
            raise ConfigError(f"--set: malformed key {key!r}")
        name, index = match.groups()
        parts.append(int(index) if index is not None else (int(name) if name.isdigit() else name))
        pos = match.end()
    if pos != len(key):
        raise ConfigError(f"--set: malformed key {key!r}")
    return parts


def parse_override(text: str) -> Tuple[List[Key], Any]:
    """Split ``key=value``; the value is read as YAML (``5`` -> int, ``[1,2]`` -> list,
    ``null`` -> None, ``1e-3`` -> float)."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected key=value, e.g. --set model.args.tau=5")
    key, raw = text.split("=", 1)
    return parse_key(key), parse_yaml(raw, name=f"--set {text}") if raw.strip() else ""


def apply_overrides(data: Dict[str, Any], overrides: Iterable[str]) -> Dict[str, str]:
    """Apply overrides to ``data`` in place, creating missing intermediate dicts.

    Returns ``{key_path: "--set ..."}`` so that validation errors can name the
    override that introduced a bad value instead of the file.
    """
    sources: Dict[str, str] = {}
    for text in overrides:
        parts, value = parse_override(text)
        node: Any = data
        for depth, part in enumerate(parts[:-1]):
            where = join_path(parts[: depth + 1])
            if isinstance(part, int):
                if not isinstance(node, list) or not -len(node) <= part < len(node):
                    raise ConfigError(f"--set {text}: {where} is not an existing list item")
                node = node[part]
                continue
            if not isinstance(node, dict):
                raise ConfigError(f"--set {text}: {join_path(parts[:depth])} is not a mapping")
            if node.get(part) is None:  # absent or null: create the mapping (e.g. early_stopping)
                node[part] = {}
            node = node[part]
        last = parts[-1]
        if isinstance(last, int):
            if not isinstance(node, list) or not -len(node) <= last < len(node):
                raise ConfigError(f"--set {text}: {join_path(parts)} is not an existing list item")
        elif not isinstance(node, dict):
            raise ConfigError(f"--set {text}: {join_path(parts[:-1])} is not a mapping")
        node[last] = value
        sources[join_path(parts)] = f"--set {text}"
    return sources
