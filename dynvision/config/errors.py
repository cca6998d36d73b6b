"""Config errors that name the offending key path and the file it came from."""
from __future__ import annotations

import difflib
import math
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from pydantic import ValidationError
from pydantic_core import PydanticCustomError


class ConfigError(ValueError):
    """An invalid configuration. ``problems`` holds ``(key_path, message)`` pairs."""

    def __init__(self, message: str, problems: Sequence[tuple] = ()):
        super().__init__(message)
        self.problems = list(problems)


def fail(subpath: str, message: str, related: Sequence[str] = ()) -> PydanticCustomError:
    """Build an error for a validator to raise that points at ``subpath`` below the
    model being validated (pydantic would otherwise only name the model itself).
    ``related``: other keys (same base) the check compared it with; a ``--set``
    override of one of them is named as a source too."""
    return PydanticCustomError("config_value", "{message}",
                               {"message": message, "subpath": subpath, "related": list(related)})


def join_path(parts: Iterable[Any]) -> str:
    """``('optimizer', 'param_groups', 0, 'lr')`` -> ``optimizer.param_groups[0].lr``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part:
            out += f".{part}" if out else str(part)
    return out


def non_finite_path(value: Any, parts: tuple = ()) -> Optional[tuple]:
    """The key path (a tuple) of the first NaN/inf float in a nested dict/list value, else None."""
    if isinstance(value, float) and not math.isfinite(value):
        return parts
    if isinstance(value, dict):
        items: Iterable = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = non_finite_path(item, parts + (key,))
        if found is not None:
            return found
    return None


def close_matches(word: str, options: Iterable[str], n: int = 3) -> List[str]:
    return difflib.get_close_matches(str(word), list(options), n=n, cutoff=0.5)


def _walk_loc(loc: Sequence[Any], data: Any, error_type: str) -> tuple:
    """Keep only the parts of a pydantic ``loc`` that exist in the input.

    Pydantic inserts union-member tags (``'int'``, ``'function-after[...]'``) into
    ``loc``; walking the input data tells real keys from those tags. Also
    returns how many parts preceded the first tag (None when there was none).
    """
    parts: List[Any] = []
    node = data
    tagged_at = None
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, Mapping) and part in node:
            parts.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            parts.append(part)
            node = node[part]
        elif last and error_type == "missing":
            parts.append(part)
        elif tagged_at is None:  # a union/validator tag, not a key
            tagged_at = len(parts)
    return parts, tagged_at


def _valid_keys(model_cls: Any, path: Sequence[Any]) -> Optional[List[str]]:
    """Field names of the pydantic model found at ``path`` below ``model_cls``."""
    from pydantic import BaseModel

    cls = model_cls
    for part in path:
        if isinstance(part, int):
            continue
        field = getattr(cls, "model_fields", {}).get(part)
        if field is None:
            return None
        cls = _model_in_annotation(field.annotation)
        if cls is None:
            return None
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return None


def _model_in_annotation(annotation: Any) -> Any:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in_annotation(arg)
        if found is not None:
            return found
    return None


def _unknown_key(key: Any, valid: Sequence[str]) -> str:
    message = f"unknown key {key!r}"
    close = close_matches(str(key), list(valid), n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    if valid:
        message += f"; valid keys: {', '.join(valid)}"
    return message


def _source(path: str, base: str, related: Sequence[str], sources: Dict[str, str], default_source: str) -> str:
    """Where the value at ``path`` came from, naming ``--set`` overrides of ``related`` keys first
    (e.g. --set data.image_size=32 made the file's input_dims wrong)."""
    source = source_for(path, sources, default_source)
    also = [source_for(f"{base}.{r}" if base else r, sources, default_source) for r in related]
    also = [s for s in also if s.startswith("--set") and s != source]
    return ", ".join(dict.fromkeys([*also, source])) if also else source


def describe_validation_error(
    error: ValidationError,
    data: Any,
    model_cls: Any,
    sources: Optional[Dict[str, str]] = None,
    default_source: str = "<config>",
    prefix: Sequence[str] = (),
) -> ConfigError:
    """Turn a pydantic ``ValidationError`` into a :class:`ConfigError` whose lines read
    ``<file>: <key.path>: <message>``; ``sources`` maps key paths set by ``--set``
    overrides to the override text so those errors name the override instead."""
    problems = []
    lines = []
    unions: Dict[str, List[str]] = {}
    for err in error.errors():
        parts, tagged_at = _walk_loc(tuple(prefix) + tuple(err["loc"]), data, err["type"])
        ctx = err.get("ctx") or {}
        message = _clean(err["msg"])
        if tagged_at is not None and err["type"] != "config_value":
            # One value failed every member of a union: report it once, not per member.
            key = join_path(parts[:tagged_at])
            if key in unions:
                unions[key].append(message)
                continue
            unions[key] = [message]
            parts = parts[:tagged_at]
            message = f"no accepted form matches {_node(data, parts)!r}: " + "{alternatives}"
        elif err["type"] == "extra_forbidden":
            message = _unknown_key(parts[-1] if parts else err["loc"][-1],
                                   _valid_keys(model_cls, parts[len(prefix):-1]) or [])
        elif "input" in err and err["type"] not in ("missing", "config_value", "value_error"):
            message += f" (got {err['input']!r})"
        base = join_path(parts)
        path = f"{base}.{ctx['subpath']}" if base and ctx.get("subpath") else (ctx.get("subpath") or base)
        source = _source(path, base, ctx.get("related", ()), sources or {}, default_source)
        problems.append((path, message))
        lines.append(f"  {source}: {path or '<top level>'}: {message}")
    for i, (path, message) in enumerate(problems):
        if "{alternatives}" in message:
            filled = message.replace("{alternatives}", "; or ".join(dict.fromkeys(unions[path])))
            problems[i] = (path, filled)
            lines[i] = lines[i].replace(message, filled)
    if len(lines) == 1:
        return ConfigError(lines[0].strip(), problems)
    header = f"invalid configuration ({len(lines)} errors):"
    return ConfigError("\n".join([header, *lines]), problems)


def _clean(message: str) -> str:
    return message[len("Value error, "):] if message.startswith("Value error, ") else message


def _node(data: Any, parts: Sequence[Any]) -> Any:
    for part in parts:
        data = data[part]
    return data


def source_for(path: str, sources: Mapping[str, str], default: str) -> str:
    """Where the value at ``path`` came from: the entry of ``sources`` for the
    longest prefix of ``path`` (``--set data={...}`` explains ``data.x``), else ``default``."""
    best = None
    for key, src in sources.items():
        if path == key or path.startswith(key + ".") or path.startswith(key + "["):
            if best is None or len(key) > len(best[0]):
                best = (key, src)
    return best[1] if best else default


def merge_sources(base: Mapping[str, str], overrides: Mapping[str, str]) -> Dict[str, str]:
    """``base`` (e.g. a file's ``{key.path: "file:line"}``) with ``overrides`` on top; an
    override of ``a.b`` also replaces what ``base`` said about ``a.b.c``."""
    merged = dict(base)
    for key in overrides:
        for path in [p for p in merged if p == key or p.startswith(key + ".") or p.startswith(key + "[")]:
            del merged[path]
    merged.update(overrides)
    return merged
