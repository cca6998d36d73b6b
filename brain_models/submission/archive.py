"""The upload archive for brain-score.org.

The submission site unpacks the zip and uses its single top-level folder
(ignoring names starting with ``.`` or ``_``), in which plugins sit as
``models/<plugin>/``. So the archive holds exactly::

    <plugin>/
    <plugin>/models/
    <plugin>/models/<plugin>/...   (the plugin's files; no caches)
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import List, Optional, Union

PathLike = Union[str, "os.PathLike[str]"]

#: a fixed timestamp, so the same plugin always gives the same archive
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}
_SKIP_SUFFIXES = (".pyc", ".pyo", ".part")


def archive_members(plugin_dir: PathLike) -> List[Path]:
    """The plugin's files that go into the archive, relative to ``plugin_dir``, sorted."""
    plugin_dir = Path(plugin_dir)
    members = []
    for path in plugin_dir.rglob("*"):
        relative = path.relative_to(plugin_dir)
        if any(part in _SKIP_DIRS or part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not path.name.endswith(_SKIP_SUFFIXES):
            members.append(relative)
    return sorted(members)


def _check_plugin_folder(plugin_dir: Path, top: str) -> None:
    if plugin_dir.parent.name != "models":
        raise ValueError(f"{plugin_dir} is not a plugin folder inside a 'models/' folder")
    if not (plugin_dir / "__init__.py").is_file():
        raise ValueError(f"{plugin_dir} has no __init__.py: not a plugin")
    if top.startswith((".", "_")) or "/" in top:
        raise ValueError(f"top-level folder {top!r}: the site ignores names starting with '.' or '_'")


def _folder_entries(top: str, plugin: str, members: List[Path]) -> List[str]:
    """The archive's folder entries: every sub-folder gets its own, as zip tools write them."""
    folders = [f"{top}/", f"{top}/models/", f"{top}/models/{plugin}/"]
    for relative in members:
        for parent in reversed(relative.parents[:-1]):
            entry = f"{top}/models/{plugin}/{parent.as_posix()}/"
            if entry not in folders:
                folders.append(entry)
    return folders


def make_zip(plugin_dir: PathLike, zip_path: Optional[PathLike] = None, top: Optional[str] = None,
             plugin: Optional[str] = None) -> Path:
    """Zip ``.../models/<plugin>`` as ``<top>/models/<plugin>/...`` (``top``
    defaults to the plugin name; ``plugin`` to the folder's name) into
    ``zip_path`` (default: ``<plugin>.zip`` next to the ``models/`` folder).
    Written atomically."""
    plugin_dir = Path(plugin_dir)
    plugin = plugin or plugin_dir.name
    top = top or plugin
    _check_plugin_folder(plugin_dir, top)
    zip_path = Path(zip_path) if zip_path else plugin_dir.parent.parent / f"{plugin}.zip"
    partial = zip_path.with_name(f".{zip_path.name}.part")
    members = archive_members(plugin_dir)
    folders = _folder_entries(top, plugin, members)
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for folder in folders:
                info = zipfile.ZipInfo(folder, _EPOCH)
                info.external_attr = (0o40755 << 16) | 0x10
                archive.writestr(info, b"")
            for relative in members:
                info = zipfile.ZipInfo(f"{top}/models/{plugin}/{relative.as_posix()}", _EPOCH)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(plugin_dir / relative, "rb") as handle, archive.open(info, "w") as out:
                    while block := handle.read(1 << 20):
                        out.write(block)
        os.replace(partial, zip_path)
    finally:
        if partial.exists():
            partial.unlink()
    return zip_path
