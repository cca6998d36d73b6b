"""The run config of a command: a file (or the packaged default), a model name and ``--set`` overrides."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..verbosity import info
from .errors import merge_sources
from .loader import DEFAULT_CONFIG_PATH, load_config, validate
from .overrides import apply_overrides
from .schema import Config


def resolve_config(config_file: Optional[str], model: Optional[str], overrides: List[str],
                   model_module: Optional[str] = None) -> Config:
    """The config file (or default) with MODEL and the overrides applied.

    When MODEL replaces the file's model, ``model.args`` the new model does
    not accept are dropped (with a note), so ``dynvision train CorNetRT``
    works with the default config written for DyRCNNx4.
    """
    base = load_config(config_file)
    source = str(config_file or DEFAULT_CONFIG_PATH)
    data: Dict[str, Any] = base.to_dict()
    if model and model != base.model.name:
        # the model library imports torch: only needed when the model changes
        from dynvision.loading import accepted_arguments, resolve_model_class

        accepted, open_ended = accepted_arguments(resolve_model_class(model, model_module))
        if not open_ended:
            dropped = [k for k in data["model"]["args"] if k not in accepted]
            for key in dropped:
                del data["model"]["args"][key]
            if dropped:
                info(f"note: {model} takes no {', '.join(dropped)}; dropped from the model.args "
                     f"of {source} (written for {base.model.name})")
        data["model"]["name"] = model
    # keep the file's key -> "file:line" map, so errors still name the line
    sources = merge_sources(base.sources, apply_overrides(data, overrides))
    return validate(data, source=source, sources=sources)
