"""Model identifiers and plugin folder names Brain-Score accepts.

Brain-Score finds a model by scanning every ``models/<plugin>/__init__.py``
for the text ``model_registry['<identifier>']`` (quotes normalised to ``'``),
skips plugin folders whose name starts with ``.`` or ``_``, imports the
plugin as ``brainscore_vision.models.<plugin>``, and names result files,
cache files and S3 keys after the identifier. The rules here keep an
identifier safe for all of that: letters, digits, ``.``, ``_`` and ``-``,
starting with a letter or digit, at most :data:`MAX_LENGTH` characters, and
not already registered (compared case-insensitively, as Brain-Score's
database does) by a plugin of the installed ``brainscore_vision``.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Dict, Optional

#: what an identifier may contain (a subset of the characters of the registered identifiers)
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: longest identifier accepted (the longest registered one has 65 characters)
MAX_LENGTH = 100
#: a plugin folder: an importable-looking name Brain-Score does not skip
PLUGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
#: how Brain-Score's ``locate_plugin`` / ``get_plugin_ids`` find a registration
_REGISTRATION = re.compile(r"""model_registry\[\s*['"]([^'"]+)['"]\s*\]""")

ALLOWED_DESCRIPTION = ("letters, digits, '.', '_' and '-', starting with a letter or digit, "
                       f"at most {MAX_LENGTH} characters")


class IdentifierError(ValueError):
    """An identifier or plugin name Brain-Score would reject or confuse."""


def installed_models_dir() -> Optional[Path]:
    """``brainscore_vision/models`` of the installed Brain-Score (None if it is not
    installed); found without importing ``brainscore_vision``."""
    try:
        spec = importlib.util.find_spec("brainscore_vision")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        models = Path(location) / "models"
        if models.is_dir():
            return models
    return None


def registered_identifiers(models_dir: Optional[Path] = None) -> Dict[str, str]:
    """``{identifier: plugin folder}`` of every model registered by the plugins
    in ``models_dir`` (default: the installed Brain-Score's), read the way
    Brain-Score's plugin loader reads them, without importing any plugin."""
    models_dir = installed_models_dir() if models_dir is None else Path(models_dir)
    found: Dict[str, str] = {}
    if models_dir is None or not models_dir.is_dir():
        return found
    for init in sorted(models_dir.glob("*/__init__.py")):
        if init.parent.name.startswith((".", "_")):
            continue
        try:
            text = init.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for identifier in _REGISTRATION.findall(text):
            found.setdefault(identifier, init.parent.name)
    return found


def check_identifier_syntax(identifier: str) -> str:
    """``identifier`` if its characters and length are acceptable, else :class:`IdentifierError`."""
    if not isinstance(identifier, str) or not identifier:
        raise IdentifierError("the model identifier is empty; choose a name such as 'DyRCNNx4-digits-run1' "
                              f"({ALLOWED_DESCRIPTION})")
    if len(identifier) > MAX_LENGTH:
        raise IdentifierError(f"model identifier {identifier!r} has {len(identifier)} characters; "
                              f"at most {MAX_LENGTH} are allowed")
    if not IDENTIFIER_PATTERN.match(identifier):
        bad = sorted({c for c in identifier if not (c.isascii() and (c.isalnum() or c in "._-"))})
        reason = (f"characters {', '.join(repr(c) for c in bad)} are not allowed" if bad
                  else "it must start with a letter or digit")
        raise IdentifierError(f"model identifier {identifier!r}: {reason}; an identifier has {ALLOWED_DESCRIPTION}")
    return identifier


def validate_identifier(identifier: str, check_registry: bool = True, models_dir: Optional[Path] = None) -> str:
    """``identifier`` if Brain-Score accepts it and no installed plugin registers
    it already (case-insensitively); else :class:`IdentifierError` naming the
    clashing plugin. The registry is checked only where Brain-Score is installed."""
    check_identifier_syntax(identifier)
    if check_registry:
        registered = registered_identifiers(models_dir)
        lowered = {name.lower(): (name, plugin) for name, plugin in registered.items()}
        if identifier.lower() in lowered:
            name, plugin = lowered[identifier.lower()]
            same = "" if name == identifier else f" as {name!r} (identifiers are compared ignoring case)"
            raise IdentifierError(
                f"model identifier {identifier!r} is already registered{same} by the Brain-Score plugin "
                f"models/{plugin}; choose another identifier (e.g. add a run name or date: "
                f"'{identifier}-run2')")
    return identifier


def plugin_name_for(identifier: str) -> str:
    """The plugin folder name for ``identifier``: ``.`` and ``-`` become ``_``."""
    check_identifier_syntax(identifier)
    return re.sub(r"[^A-Za-z0-9_]", "_", identifier)


def validate_plugin_name(name: str, check_installed: bool = True, models_dir: Optional[Path] = None) -> str:
    """``name`` if it is a usable plugin folder name not taken in the installed Brain-Score."""
    if not isinstance(name, str) or not PLUGIN_PATTERN.match(name) or len(name) > MAX_LENGTH:
        raise IdentifierError(
            f"plugin name {name!r}: a plugin folder name has letters, digits and '_', starts with a letter "
            f"or digit (Brain-Score skips folders starting with '.' or '_'), at most {MAX_LENGTH} characters")
    if check_installed:
        models_dir = installed_models_dir() if models_dir is None else Path(models_dir)
        if models_dir is not None and (models_dir / name).exists():
            raise IdentifierError(f"plugin name {name!r} is taken: {models_dir / name} exists in the installed "
                                  "Brain-Score; choose another with --plugin-name")
    return name
