"""The benchmark catalog: short names -> benchmark identifiers -> benchmark factories.

A name given to ``dynvision score --benchmark NAME`` can be

- an alias (``majajhong``, ``cowley2023``, ...) that expands to several identifiers,
- an identifier of this project's own benchmarks (``Cowley2023.V4-pls``),
- any Brain-Score benchmark identifier (``MajajHong2015public.IT-pls``), or
- a path to a user's data file (``.nc``), handled by a registered path handler.

>>> resolve("majajhong")
['MajajHong2015public.V4-pls', 'MajajHong2015public.IT-pls']

Plugins register themselves on import: every sub-package of ``benchmarks``
(``benchmarks.cowley2023``, ...) is imported the first time the catalog is
used, and calls :func:`register_benchmark` / :func:`register_alias`.
Brain-Score itself is imported only when a Brain-Score benchmark is loaded.
"""
from __future__ import annotations

import difflib
import importlib
import importlib.util
import pkgutil
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from dynvision.registry import Registry, UnknownNameError

Availability = Tuple[bool, str]


@dataclass(frozen=True)
class LoadOptions:
    """How to find data: ``data_dir`` (``--data-dir``) and whether downloads are forbidden."""
    data_dir: Optional[Path] = None
    offline: Optional[bool] = None  # None: $DYNVISION_OFFLINE, else try


@dataclass(frozen=True)
class BenchmarkSpec:
    """One of this project's benchmarks: ``factory(options) -> Benchmark``."""
    identifier: str
    factory: Callable[[LoadOptions], object]
    availability: Callable[[LoadOptions], Availability]
    description: str = ""


@dataclass(frozen=True)
class PathHandler:
    """Turns a path to a user's data file into a benchmark (the user-data hook)."""
    suffixes: Tuple[str, ...]
    factory: Callable[[Path, LoadOptions], object]
    availability: Callable[[Path, LoadOptions], Availability]
    description: str = ""


@dataclass(frozen=True)
class CatalogEntry:
    """A row of the listing: ``kind`` is ``alias``, ``dynvision`` or ``brainscore``."""
    name: str
    kind: str
    identifiers: Tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class _Alias:
    identifiers: Tuple[str, ...]
    description: str = ""


_benchmarks: Registry[BenchmarkSpec] = Registry("benchmark")
_aliases: Registry[_Alias] = Registry("benchmark alias")
_path_handlers: List[PathHandler] = []
_plugins_loaded = False

# Public Brain-Score data (downloadable without Brain-Score credentials).
BRAINSCORE_ALIASES: Dict[str, Tuple[Tuple[str, ...], str]] = {
    "majajhong": (("MajajHong2015public.V4-pls", "MajajHong2015public.IT-pls"),
                  "macaque V4 and IT, PLS (Majaj, Hong et al. 2015, public half)"),
    "majajhong-temporal": (("MajajHong2015public.V4-temporal-pls", "MajajHong2015public.IT-temporal-pls"),
                           "macaque V4 and IT over time, 10 ms bins, temporal PLS"),
    "freemanziemba": (("FreemanZiemba2013public.V1-pls", "FreemanZiemba2013public.V2-pls"),
                      "macaque V1 and V2, textures, PLS (Freeman, Ziemba et al. 2013, public half)"),
    "cowley2026": (("Cowley2026.V4-pls",), "macaque V4, four sessions, PLS (Cowley et al. 2026)"),
    "rajalingham2018": (("Rajalingham2018public-i2n",), "behaviour: image-level consistency i2n (public half)"),
    "imagenet": (("ImageNet-top1",), "ImageNet validation top-1 accuracy"),
}


# ---------------------------------------------------------------- registration

def register_benchmark(identifier: str, factory: Callable[[LoadOptions], object], *,
                       availability: Callable[[LoadOptions], Availability],
                       description: str = "", overwrite: bool = False) -> BenchmarkSpec:
    """Add one of this project's benchmarks (called by plugin packages on import)."""
    spec = BenchmarkSpec(identifier, factory, availability, description)
    return _benchmarks.add(identifier, spec, overwrite=overwrite)


def register_alias(name: str, identifiers: Sequence[str], description: str = "", *,
                   overwrite: bool = False) -> None:
    """Add a short lower-case name that expands to ``identifiers``."""
    if name != name.lower():
        raise ValueError(f"alias {name!r} must be lower-case (aliases are matched case-insensitively)")
    if not identifiers:
        raise ValueError(f"alias {name!r} needs at least one benchmark identifier")
    _aliases.add(name, _Alias(tuple(identifiers), description), overwrite=overwrite)


def register_path_handler(handler: PathHandler) -> PathHandler:
    """Let paths ending in ``handler.suffixes`` (e.g. ``.nc``) name a benchmark built from a user's file."""
    _path_handlers.append(handler)
    return handler


for _name, (_ids, _description) in BRAINSCORE_ALIASES.items():
    register_alias(_name, _ids, _description)


def _load_plugins() -> None:
    """Import every sub-package of ``benchmarks`` once, so each registers its benchmarks."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    package = importlib.import_module(__package__)
    for module in pkgutil.iter_modules(package.__path__):
        if module.ispkg:
            importlib.import_module(f"{__package__}.{module.name}")


# ---------------------------------------------------------------- Brain-Score ids

@lru_cache(maxsize=1)
def brainscore_ids() -> Tuple[str, ...]:
    """Every benchmark identifier in the installed ``brainscore_vision``, without importing it.

    Found the way Brain-Score's own plugin loader finds them: the
    ``benchmark_registry['<id>']`` lines of ``brainscore_vision/benchmarks/*/__init__.py``.
    """
    spec = importlib.util.find_spec("brainscore_vision")
    if spec is None or not spec.submodule_search_locations:
        return ()
    root = Path(list(spec.submodule_search_locations)[0]) / "benchmarks"
    pattern = re.compile(r"""benchmark_registry\[\s*['"]([^'"]+)['"]\s*\]\s*=""")
    ids = set()
    for init in sorted(root.glob("*/__init__.py")):
        ids.update(pattern.findall(init.read_text(encoding="utf-8")))
    return tuple(sorted(ids))


# ---------------------------------------------------------------- resolution

def resolve(name: str) -> List[str]:
    """Expand ``name`` to benchmark identifiers (an alias gives several).

    :raises UnknownNameError: not an alias, identifier or usable path; the
        message lists the aliases and suggests a close match.
    :raises FileNotFoundError: a data-file path that does not exist.
    """
    _load_plugins()
    name = str(name).strip()
    if name.lower() in _aliases:
        return list(_aliases.get(name.lower()).identifiers)
    if name in _benchmarks or name in brainscore_ids():
        return [name]
    handler = _path_handler_for(name)
    if handler is not None:
        path = Path(name).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"benchmark data file {path} does not exist")
        return [str(path)]
    if _looks_like_path(name):
        suffix = Path(name).suffix or "(none)"
        known = ", ".join(s for h in _path_handlers for s in h.suffixes) or "none registered yet"
        raise UnknownNameError(f"benchmark path {name!r}: no loader for files with suffix {suffix}; "
                               f"supported suffixes: {known}")
    raise UnknownNameError(_unknown_message(name))


def resolve_all(names: Sequence[str]) -> List[Tuple[str, str]]:
    """``[(identifier, name given), ...]`` for every benchmark ``names`` resolve to (see
    :func:`resolve`), each identifier once, in order; empty when no name is given."""
    found: List[Tuple[str, str]] = []
    for name in names:
        for identifier in resolve(name):
            if identifier not in [i for i, _ in found]:
                found.append((identifier, str(name)))
    return found


def _unknown_message(name: str) -> str:
    candidates = _aliases.names() + _benchmarks.names() + list(brainscore_ids())
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    message = (f"unknown benchmark {name!r}. Aliases: {', '.join(_aliases.names())}; "
               f"this project's benchmarks: {', '.join(_benchmarks.names()) or 'none'}; "
               f"or any of {len(brainscore_ids())} Brain-Score identifiers, or a path to a data file "
               f"(`dynvision benchmarks` lists them all).")
    if close:
        message += f" Did you mean {by_lower[close[0]]!r}?"
    return message


def _path_handler_for(name: str) -> Optional[PathHandler]:
    lowered = name.lower()
    for handler in _path_handlers:
        if any(lowered.endswith(suffix.lower()) for suffix in handler.suffixes):
            return handler
    return None


def _looks_like_path(name: str) -> bool:
    return "/" in name or "\\" in name or Path(name).suffix.lower() in {".nc", ".csv", ".zip", ".h5"}


# ---------------------------------------------------------------- loading

def load_benchmark(identifier: str, options: Optional[LoadOptions] = None) -> Any:
    """Build the benchmark for one identifier returned by :func:`resolve`.

    Brain-Score benchmarks are loaded through
    :func:`benchmarks.brainscore_data.load_brainscore_benchmark` (offline-safe).

    :raises DataNotAvailableError: its data is not here and cannot be fetched now.
    """
    options = options or LoadOptions()
    _load_plugins()
    if identifier in _benchmarks:
        return _benchmarks.get(identifier).factory(options)
    if identifier in brainscore_ids():
        from .brainscore_data import load_brainscore_benchmark
        return load_brainscore_benchmark(identifier, offline=options.offline)
    handler = _path_handler_for(identifier)
    if handler is not None:
        return handler.factory(Path(identifier).expanduser(), options)
    resolved = resolve(identifier)  # raises with a suggestion; an alias lands here
    raise ValueError(f"{identifier!r} is an alias for {resolved}; call resolve() first "
                     "or load_benchmarks() to load them all")


def load_benchmarks(name: str, options: Optional[LoadOptions] = None) -> Dict[str, object]:
    """``{identifier: benchmark}`` for every identifier ``name`` resolves to."""
    return {identifier: load_benchmark(identifier, options) for identifier in resolve(name)}


def data_available(name: str, options: Optional[LoadOptions] = None) -> Availability:
    """Whether the data behind ``name`` (alias, identifier or path) is on this machine now.

    Never downloads. Returns ``(available, reason)``; for an alias, available
    only if every member is, with the reasons joined.
    """
    options = options or LoadOptions()
    results = [_available(identifier, options) for identifier in resolve(name)]
    ok = all(flag for flag, _ in results)
    reasons = [reason for flag, reason in results if flag == ok]
    return ok, "\n".join(reasons)


def _available(identifier: str, options: LoadOptions) -> Availability:
    if identifier in _benchmarks:
        return _benchmarks.get(identifier).availability(options)
    handler = _path_handler_for(identifier)
    if handler is not None and identifier not in brainscore_ids():
        return handler.availability(Path(identifier).expanduser(), options)
    local_check = _LOCAL_FILE_BENCHMARKS.get(identifier)
    if local_check is not None:
        return local_check()
    from .brainscore_data import brainscore_data_available
    return brainscore_data_available(identifier)


def _imagenet_available() -> Availability:
    # ImageNet-top1 reads validation images from absolute paths listed in Brain-Score's
    # imagenet2012.csv (a mount on Brain-Score's servers); nothing is downloadable.
    import csv
    spec = importlib.util.find_spec("brainscore_vision")
    if spec is None or not spec.submodule_search_locations:
        return False, "brainscore_vision is not installed"
    table = Path(list(spec.submodule_search_locations)[0]) / "benchmarks" / "imagenet" / "imagenet2012.csv"
    with open(table, newline="") as handle:
        paths = [Path(row["filepath"]) for row in csv.DictReader(handle)]
    missing = next((path for path in paths if not path.is_file()), None)  # stop at the first: 50,000 files
    if missing is not None:
        return False, (f"ImageNet-top1 reads the {len(paths)} ILSVRC2012 validation images from the paths in "
                       f"{table} ({missing} is missing); Brain-Score does not download them. "
                       f"Place or link the validation images at {missing.parent}.")
    return True, f"images present in {paths[0].parent}"


_LOCAL_FILE_BENCHMARKS: Dict[str, Callable[[], Availability]] = {"ImageNet-top1": _imagenet_available}


# ---------------------------------------------------------------- listing

def entries() -> List[CatalogEntry]:
    """Everything the catalog accepts: aliases, this project's benchmarks, Brain-Score ids."""
    _load_plugins()
    rows = [CatalogEntry(name, "alias", alias.identifiers, alias.description) for name, alias in _aliases.items()]
    rows += [CatalogEntry(name, "dynvision", (name,), spec.description) for name, spec in _benchmarks.items()]
    rows += [CatalogEntry(name, "brainscore", (name,)) for name in brainscore_ids() if name not in _benchmarks]
    return rows


def names() -> List[str]:
    """All accepted names (aliases first)."""
    return [entry.name for entry in entries()]
