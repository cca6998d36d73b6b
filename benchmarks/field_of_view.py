"""How a benchmark's stimuli are placed in a model's field of view: said once per benchmark and
recorded in the result, never silent.

Brain-Score (``place_on_screen``) rescales stimuli that span ``s`` degrees into
a model field of ``m`` degrees: an image then fills ``s / m`` of the model's
input (shrunk onto grey when ``s < m``, centre-cropped when ``s > m``); the
adapter then resizes it to the model's input size. A benchmark of this project
says what its stimuli span through ``stimulus_visual_degrees`` and whether the
data declared it (``stimulus_visual_degrees_declared``); a Brain-Score
benchmark applies its own published value.
"""
from __future__ import annotations

from typing import Any, Dict, Optional


def model_degrees_source(given: Optional[float], model: Any) -> str:
    """Where a scoring run's model field of view comes from."""
    if given is not None:
        return "--visual-degrees"
    if getattr(model, "visual_degrees", None):
        return "declared by the model"
    return "Brain-Score's default"


def field_of_view(brain_model: Any, benchmark: Any, model_source: str) -> Dict[str, Any]:
    """The record: model and stimulus degrees, where each came from, the scale and the input size."""
    model_deg = float(brain_model.visual_degrees())
    stimulus_deg = getattr(benchmark, "stimulus_visual_degrees", None)
    declared = getattr(benchmark, "stimulus_visual_degrees_declared", None)
    if stimulus_deg is None:
        stimulus_source = "the benchmark's own (Brain-Score)"
    elif declared:
        stimulus_source = "declared by the data"
    else:
        stimulus_source = "assumed: the data declares none (attribute visual_degrees)"
    _, _, height, width = (int(d) for d in brain_model.model.input_dims)
    return {
        "model_degrees": model_deg, "model_degrees_source": model_source,
        "stimulus_degrees": None if stimulus_deg is None else float(stimulus_deg),
        "stimulus_degrees_source": stimulus_source,
        "scale": None if stimulus_deg is None else float(stimulus_deg) / model_deg,
        "input_size": [height, width],
    }


def describe(record: Dict[str, Any]) -> str:
    """One line for the output."""
    model = f"model field {record['model_degrees']:g} deg ({record['model_degrees_source']})"
    size = "x".join(str(v) for v in record["input_size"])
    if record["stimulus_degrees"] is None:
        return f"field of view: {model}; stimuli placed by the benchmark's degrees, then resized to {size}"
    scale = record["scale"]
    how = ("same field" if abs(scale - 1) < 1e-9 else
           f"each image fills {scale:.0%} of the model's field ({'shrunk onto grey' if scale < 1 else 'centre-cropped'})")
    return (f"field of view: {model}; stimuli {record['stimulus_degrees']:g} deg ({record['stimulus_degrees_source']}): "
            f"{how}, then resized to {size}")


def needs_attention(record: Dict[str, Any]) -> bool:
    """An assumed stimulus field that differs from the model's: the score depends on a guess."""
    return (record["stimulus_degrees"] is not None and record["stimulus_degrees_source"].startswith("assumed")
            and abs(record["scale"] - 1) > 1e-9)
