"""From a training checkpoint to a Brain-Score submission.

>>> from brain_models.submission import register  # doctest: +SKIP
>>> plugin = register("runs/DyRCNNx4/checkpoints/last.ckpt", "DyRCNNx4-digits-run1",
...                   out="submission", make_zip=True)  # doctest: +SKIP
>>> plugin.plugin_dir, plugin.zip_path  # doctest: +SKIP
(PosixPath('submission/models/DyRCNNx4_digits_run1'), PosixPath('submission/DyRCNNx4_digits_run1.zip'))

``register`` writes ``<out>/models/<plugin>/`` (see :mod:`.writer`),
:func:`make_zip` the upload archive (see :mod:`.archive`); a registered
plugin builds its model with :func:`load_registered` (see :mod:`.runtime`).
"""
from .archive import archive_members, make_zip
from .identifiers import (
    ALLOWED_DESCRIPTION, IdentifierError, plugin_name_for, registered_identifiers, validate_identifier,
    validate_plugin_name,
)
from .runtime import COMMITMENT_FILE, REGION_LAYER_MAP_DIR, PluginError, load_registered, read_commitment
from .weights import WeightsError, fetch_weights, sha1_of
from .writer import DEFAULT_OUT, RegisteredPlugin, register

__all__ = [
    "ALLOWED_DESCRIPTION", "COMMITMENT_FILE", "DEFAULT_OUT", "IdentifierError", "PluginError", "REGION_LAYER_MAP_DIR",
    "RegisteredPlugin", "WeightsError", "archive_members", "fetch_weights", "load_registered", "make_zip",
    "plugin_name_for", "read_commitment", "register", "registered_identifiers", "sha1_of", "validate_identifier",
    "validate_plugin_name",
]
