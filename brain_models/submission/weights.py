"""The weights file of a registered model: its constructor arguments and
tensors as plain data (read back with ``torch.load(weights_only=True)``),
identified by its SHA-1, fetched from a URL with that SHA-1 checked before
the file is used."""
from __future__ import annotations

import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from dynvision.fileio import sha1_of

PathLike = Union[str, "os.PathLike[str]"]

#: seconds a weights download may stall before it fails
DOWNLOAD_TIMEOUT = 60


class WeightsError(RuntimeError):
    """The weights of a registered model cannot be found, fetched, or verified."""


def _plain(value: Any, where: str) -> Any:
    """``value`` as the plain types ``torch.load(weights_only=True)`` reads back."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    raise TypeError(f"model argument {where} = {value!r} ({type(value).__name__}) cannot be stored as plain data; "
                    "give the model plain arguments (numbers, strings, lists, dicts)")


def write_weights(model: Any, path: PathLike, model_args: Optional[Mapping[str, Any]] = None) -> Path:
    """The model's constructor arguments (``model_args``, default ``model.model_args``;
    ``{}`` for a static model's factory) and weights, as plain data any
    ``torch.load(weights_only=True)`` reads without running code."""
    import torch

    from .runtime import WEIGHTS_FORMAT

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    given = model.model_args if model_args is None else model_args
    args = {name: _plain(value, name) for name, value in dict(given).items()}
    state = {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}
    torch.save({"format": WEIGHTS_FORMAT, "model_args": args, "state_dict": state}, path)
    return path


def weights_cache_dir() -> Path:
    """Downloaded weights live in ``$DYNVISION_HOME/weights/<sha1>/``."""
    from ..paths import dynvision_home

    return dynvision_home() / "weights"


def url_file_name(url: str, default: str) -> str:
    """The file name at the end of ``url``'s path, or ``default``."""
    name = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path)).name
    return name if name and name not in (".", "..") else default


def check_url(url: str) -> str:
    """``url`` if the plugin may download its weights from it: ``https://``
    (``http://`` works but is open to tampering in transit, which the SHA-1
    check catches; :func:`insecure_url` says so). Local and other schemes
    (``file://``, ``ftp://``, ``s3://``) cannot be reached from Brain-Score's servers."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise WeightsError(f"weights URL {url!r}: Brain-Score's servers download the weights, so give an https:// "
                           "URL of a public host (a file:// or other URL only exists here)")
    return url


def insecure_url(url: str) -> bool:
    """Whether ``url`` is plain ``http://``."""
    return urllib.parse.urlparse(url).scheme == "http"


def fetch_weights(url: str, sha1: str, file_name: Optional[str] = None, cache_dir: Optional[PathLike] = None,
                  label: str = "model") -> Path:
    """The local path of the file at ``url`` whose SHA-1 is ``sha1``.

    A cached copy (``<cache_dir>/<sha1>/<file_name>``) is used when its SHA-1
    matches; otherwise the file is downloaded next to it, checked, and only
    then moved in place, so a failed or tampered download never leaves a
    usable-looking file behind. Without network the error says where to put
    a copy fetched by other means.
    """
    check_url(url)
    sha1 = sha1.lower()
    file_name = file_name or url_file_name(url, f"{sha1}.ckpt")
    folder = Path(cache_dir) if cache_dir is not None else weights_cache_dir()
    target = folder / sha1 / file_name
    if target.is_file():
        if sha1_of(target) == sha1:
            return target
        target.unlink()  # a stale or corrupted copy: fetch again
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{file_name}.", suffix=".part", dir=target.parent)
    try:
        try:
            with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                shutil.copyfileobj(response, out, 1 << 20)
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise WeightsError(
                f"cannot download the weights of {label} from {url}: {reason}. Without network access, fetch the "
                f"file elsewhere and put it at {target} (its SHA-1 must be {sha1})") from None
        actual = sha1_of(partial)
        if actual != sha1:
            raise WeightsError(
                f"the weights of {label} downloaded from {url} have SHA-1 {actual}, but {sha1} was registered: "
                "the file at the URL is not the one registered (re-upload the registered file, or register again "
                "with the new one); nothing was kept")
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return target


def verify_local_weights(path: PathLike, sha1: str, label: str = "model") -> Path:
    """``path`` if it exists and has SHA-1 ``sha1``, else :class:`WeightsError`."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"the weights file of {label} is missing: {path}")
    actual = sha1_of(path)
    if actual != sha1.lower():
        raise WeightsError(f"the weights file of {label} ({path}) has SHA-1 {actual}, but {sha1} was registered: "
                           "the file was changed after registration; register the model again")
    return path
