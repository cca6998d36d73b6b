"""Loading, validating, hashing and saving configs."""
from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Union

from pydantic import ValidationError

from ..fileio import write_text_atomically
from .errors import ConfigError, describe_validation_error, merge_sources
from .overrides import apply_overrides
from .schema import Config
from .yaml_io import dump_yaml, read_yaml_located

PathLike = Union[str, "os.PathLike[str]"]

#: The packaged default: DyRCNNx4 on the offline digits data.
DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "configs" / "default.yaml"


def validate(data: Any, source: str = "<dict>", sources: Optional[Dict[str, str]] = None) -> Config:
    """Validate a raw nested dict into a :class:`Config`."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the top level must be a mapping of sections, got {type(data).__name__}")
    try:
        config = Config.model_validate(dict(data))
    except ValidationError as exc:
        raise describe_validation_error(exc, data, Config, sources, default_source=source) from None
    config._sources = dict(sources or {})
    config._default_source = source
    return config


def file_sources(path: str, lines: Mapping[str, int]) -> Dict[str, str]:
    """``{key.path: "path:line"}`` for the keys a YAML file sets."""
    return {key: f"{path}:{line}" for key, line in lines.items()}


def load_config(path: Optional[PathLike] = None, overrides: Iterable[str] = ()) -> Config:
    """Read ``path`` (None: the packaged default), apply ``--set`` overrides, validate.

    Sections left out of the file take the schema defaults; errors name the key
    path and the file (or the override) the bad value came from.
    """
    source = os.fspath(path) if path is not None else str(DEFAULT_CONFIG_PATH)
    data, lines = read_yaml_located(source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections, got {type(data).__name__}")
    data = copy.deepcopy(data)
    sources = merge_sources(file_sources(source, lines), apply_overrides(data, list(overrides)))
    return validate(data, source=source, sources=sources)


def _canonical(value: Any) -> Any:
    # 5 and 5.0 mean the same to every consumer of a config; hash them alike.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def config_hash(config: Union[Config, Mapping[str, Any]], sections: Optional[Sequence[str]] = None, length: int = 12) -> str:
    """Short sha256 over the canonical JSON of the resolved config (keys sorted,
    integral floats as ints). ``sections`` restricts it, e.g. ``["model"]``."""
    data = config.to_dict() if isinstance(config, Config) else validate(dict(config)).to_dict()
    if sections is not None:
        unknown = [s for s in sections if s not in data]
        if unknown:
            raise ConfigError(f"config_hash: unknown section(s) {unknown}; valid: {', '.join(data)}")
        data = {s: data[s] for s in sections}
    text = json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def save_config(config: Config, path: PathLike) -> Path:
    """Write the resolved config as YAML atomically (temp file in the same folder,
    then rename), so a crash never leaves a half-written config behind."""
    text = f"# DynVision resolved config (hash {config_hash(config)})\n" + dump_yaml(config.to_dict())
    return write_text_atomically(path, text)
