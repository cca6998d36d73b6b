"""From a training checkpoint to a Brain-Score submission.

>>> from brain_models.submission import register  # doctest: +SKIP
>>> plugin = register("runs/DyRCNNx4/checkpoints/last.ckpt", "DyRCNNx4-digits-run1",
...                   out="submission", make_zip=True)  # doctest: +SKIP
>>> plugin.plugin_dir, plugin.zip_path  # doctest: +SKIP
(PosixPath('submission/models/DyRCNNx4_digits_run1'), PosixPath('submission/DyRCNNx4_digits_run1.zip'))

``register`` writes ``<out>/models/<plugin>/`` (see :mod:`.writer`) with
the DynVision runtime it carries (see :mod:`.bundle`), :func:`make_zip` the
upload archive (see :mod:`.archive`); a registered plugin builds its model
with its copy of :mod:`.runtime`, and :func:`load_plugin` runs that copy here.
"""
from .archive import archive_members, make_zip
from .bundle import RUNTIME_PACKAGE, BundleError, build_bundle
from .identifiers import (
    ALLOWED_DESCRIPTION, IdentifierError, plugin_name_for, registered_identifiers, validate_identifier,
    validate_plugin_name,
)
from .local import load_plugin
from .runtime import (
    COMMITMENT_FILE, REGION_LAYER_MAP_DIR, STANDARD_REGIONS, PluginError, load_registered, read_commitment,
)
from .weights import WeightsError, fetch_weights, sha1_of
from .writer import (
    DEFAULT_OUT, UPLOAD_LIMIT_BYTES, RegionCommitmentError, RegisteredPlugin, SubmissionError, UploadTooLargeError,
    register,
)

__all__ = [
    "ALLOWED_DESCRIPTION", "BundleError", "COMMITMENT_FILE", "DEFAULT_OUT", "IdentifierError", "PluginError",
    "REGION_LAYER_MAP_DIR", "RUNTIME_PACKAGE", "RegionCommitmentError", "RegisteredPlugin", "STANDARD_REGIONS",
    "SubmissionError", "UPLOAD_LIMIT_BYTES", "UploadTooLargeError", "WeightsError", "archive_members", "build_bundle",
    "fetch_weights", "load_plugin", "load_registered", "make_zip", "plugin_name_for", "read_commitment", "register",
    "registered_identifiers", "sha1_of", "validate_identifier", "validate_plugin_name",
]
