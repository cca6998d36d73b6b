"""Variant grids: ``--vary KEY=V1,V2`` flags -> the list of :class:`Variant` (their product).

A key without a dot is a model argument (``recurrence_type`` means
``model.args.recurrence_type``); a dotted key is a config key as ``--set``
takes it (``optimizer.args.lr``, ``loss.energy_weight``). Values are YAML
scalars (``10`` -> int, ``1e-3`` -> float, ``true`` -> bool, ``self`` -> str);
commas inside brackets or quotes do not split (``channels=[4,4],[8,8]``).

>>> [v.name for v in make_grid(parse_vary(["recurrence_type=self,full", "tau=5,10"]))]
['recurrence_type=self,tau=5', 'recurrence_type=self,tau=10', 'recurrence_type=full,tau=5', 'recurrence_type=full,tau=10']
"""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple

#: keys the comparison sets itself
RESERVED = {"seed": "vary seeds with --seeds N (or --seeds 0,3,7)", "model.name": "compare one MODEL at a time"}


class GridError(ValueError):
    """A malformed ``--vary`` flag."""


def config_path(key: str) -> str:
    """``recurrence_type`` -> ``model.args.recurrence_type``; dotted keys unchanged."""
    key = key.strip()
    return key if "." in key else f"model.args.{key}"


def split_values(text: str) -> List[str]:
    """Split on top-level commas (not inside ``[]``, ``{}``, ``()`` or quotes)."""
    parts, depth, quote, current = [], 0, None, []
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quote or depth:
        raise GridError(f"unbalanced brackets or quotes in {text!r}")
    parts.append("".join(current))
    return [part.strip() for part in parts]


def parse_value(text: str, flag: str) -> Any:
    from dynvision.config.errors import ConfigError
    from dynvision.config.yaml_io import parse_yaml

    if text == "":
        raise GridError(f"--vary {flag}: empty value")
    try:
        return parse_yaml(text, name=f"--vary {flag}")
    except ConfigError as error:
        raise GridError(str(error)) from None


def parse_vary(flags: Sequence[str]) -> Dict[str, List[Any]]:
    """``["recurrence_type=self,full", "tau=5,10"]`` -> ``{"recurrence_type": ["self", "full"], "tau": [5, 10]}``
    (insertion-ordered; a key given twice is an error, so is a value given twice)."""
    grid: Dict[str, List[Any]] = {}
    for flag in flags:
        key, sep, raw = flag.partition("=")
        key = key.strip()
        if not sep or not key or not re.fullmatch(r"[A-Za-z_][\w.\[\]]*", key):
            raise GridError(f"--vary {flag!r}: expected KEY=VALUE[,VALUE...], e.g. recurrence_type=self,full")
        path = config_path(key)
        if path in RESERVED or key in RESERVED:
            raise GridError(f"--vary {key}: {RESERVED.get(path, RESERVED.get(key))}")
        if key in grid or path in {config_path(k) for k in grid}:
            raise GridError(f"--vary {key} given twice; list all its values in one flag")
        values = [parse_value(part, flag) for part in split_values(raw)]
        seen = [json.dumps(v, sort_keys=True, default=str) for v in values]
        if len(set(seen)) != len(seen):
            raise GridError(f"--vary {flag}: a value is listed twice")
        grid[key] = values
    return grid


def format_value(value: Any) -> str:
    """A value as it reads on the command line (``self``, ``10``, ``[4,4]``, ``true``)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _yaml_text(value: Any) -> str:
    """The value as YAML text that reads back as the same value (plain when possible, else JSON)."""
    from dynvision.config.yaml_io import parse_yaml

    text = format_value(value)
    try:
        if parse_yaml(text) == value and type(parse_yaml(text)) is type(value):
            return text
    except Exception:
        pass
    return json.dumps(value)


@dataclass(frozen=True)
class Variant:
    """One point of the grid: ``values`` maps each ``--vary`` key to its value here."""

    values: Tuple[Tuple[str, Any], ...]

    @property
    def name(self) -> str:
        """Unique and stable: ``recurrence_type=self,tau=10``."""
        return ",".join(f"{key}={format_value(value)}" for key, value in self.values) or "base"

    @property
    def label(self) -> str:
        """Short, for tables and legends: the value alone when one key is varied."""
        if len(self.values) == 1:
            return format_value(self.values[0][1])
        return self.name.replace(",", ", ")

    @property
    def slug(self) -> str:
        """File-name-safe name (folders of training runs)."""
        return re.sub(r"[^A-Za-z0-9._+-]+", "_", self.name.replace("=", "-")).strip("._") or "base"

    def overrides(self) -> List[str]:
        """``--set`` strings that make a config this variant (values as JSON, which is YAML)."""
        return [f"{config_path(key)}={_yaml_text(value)}" for key, value in self.values]

    def as_dict(self) -> Dict[str, Any]:
        return {key: value for key, value in self.values}


def make_grid(grid: Dict[str, List[Any]]) -> List[Variant]:
    """Every combination, first key slowest (a single ``base`` variant when nothing varies)."""
    keys = list(grid)
    return [Variant(tuple(zip(keys, combo))) for combo in itertools.product(*(grid[k] for k in keys))]


def parse_seeds(text: Any) -> List[int]:
    """``3`` -> ``[0, 1, 2]``; ``0,5,7`` -> ``[0, 5, 7]``."""
    text = str(text).strip()
    try:
        if "," in text:
            seeds = [int(part) for part in text.split(",") if part.strip()]
        else:
            n = int(text)
            if n < 1:
                raise GridError(f"--seeds {text}: need at least one seed")
            seeds = list(range(n))
    except ValueError:
        raise GridError(f"--seeds {text!r}: a count (3) or a list of seeds (0,5,7)") from None
    if len(set(seeds)) != len(seeds) or not seeds:
        raise GridError(f"--seeds {text!r}: seeds must be distinct")
    return seeds
