"""One model-loading path for every command, the Brain-Score adapter and the workflow.

>>> from dynvision.loading import ModelSource, load_model
>>> loaded = load_model(ModelSource("DyRCNNx4", checkpoint="runs/DyRCNNx4/checkpoints/last.ckpt"))  # doctest: +SKIP
>>> loaded.identifier, loaded.weights.describe(), loaded.normalization.mean                          # doctest: +SKIP

- :mod:`.classes`: the one name -> class resolver (installed models + ``--model-module``).
- :mod:`.files`: torch files read as tensors and plain data only (nothing in them runs).
- :mod:`.build`: config -> model, and the class record checkpoints keep.
- :mod:`.loader`: :class:`ModelSource` -> :class:`LoadedModel` (model, config, hashes,
  weights provenance, normalisation).
"""
from .build import TRAINING_ARGS, build_model, model_arguments, model_record, training_arguments
from .classes import ModelClassNotFound, accepted_arguments, load_model_module, registered_name, resolve_model_class
from .files import CHECKPOINT_SUFFIXES, CONFIG_KEY, MODEL_KEY, CheckpointRefused, read_checkpoint, \
    read_torch_file, state_dict_of
from .loader import LoadedModel, ModelSource, ModelSourceError, Normalization, WeightsSource, apply_weights, \
    checkpoint_config, load_checkpoint, load_model, looks_like_checkpoint, normalization_of, \
    reconcile_config, weights_hash

__all__ = [
    "CHECKPOINT_SUFFIXES", "CONFIG_KEY", "CheckpointRefused", "LoadedModel", "MODEL_KEY", "ModelClassNotFound",
    "ModelSource", "ModelSourceError", "Normalization", "TRAINING_ARGS", "WeightsSource",
    "accepted_arguments", "apply_weights", "build_model", "checkpoint_config", "load_checkpoint", "load_model",
    "load_model_module", "looks_like_checkpoint", "model_arguments", "model_record", "normalization_of",
    "read_checkpoint", "read_torch_file", "reconcile_config", "registered_name", "resolve_model_class",
    "state_dict_of", "training_arguments", "weights_hash",
]
