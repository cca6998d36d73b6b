"""The tidy tables of an experiment and their netCDF form."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping

import numpy as np
import pandas as pd

from .base import Protocol

#: column order of the responses table
RESPONSE_COLUMNS = ["experiment", "parameter", "condition", "time_ms", "layer", "response",
                    "accuracy", "confidence", "p_true"]


def responses_frame(protocol: Protocol, sums: Mapping[float, Dict[str, np.ndarray]],
                    layers: List[str], times: np.ndarray) -> pd.DataFrame:
    """One row per (condition, time step, layer): the mean response over
    images and units, and the classifier's accuracy, mean max-probability
    (``confidence``) and mean probability of the true class (``p_true``) at
    that step (the same on every layer's row)."""
    nan = np.full(len(times), np.nan)
    parts = []
    for value, acc in sums.items():
        behaviour = {
            "accuracy": acc.get("_accuracy", nan),
            "confidence": acc["_confidence"],
            "p_true": acc.get("_p_true", nan),
        }
        for layer in layers:
            parts.append(pd.DataFrame({
                "experiment": protocol.name, "parameter": protocol.parameter, "condition": float(value),
                "time_ms": times, "layer": layer, "response": acc[layer], **behaviour,
            }))
        if not layers:  # a model without recorded layers still has behaviour
            parts.append(pd.DataFrame({
                "experiment": protocol.name, "parameter": protocol.parameter, "condition": float(value),
                "time_ms": times, "layer": "", "response": nan, **behaviour,
            }))
    return pd.concat(parts, ignore_index=True)[RESPONSE_COLUMNS]


def summary_frame(protocol: Protocol, responses: pd.DataFrame, dt: float) -> pd.DataFrame:
    """One row per (condition, layer): ``integrated_response`` (sum of the
    response x dt, in response*ms), ``peak_response``, ``peak_latency_ms``
    (end of the peak step minus the first onset), and the accuracy at the
    last step, its mean and maximum over time."""
    rows = []
    for (value, layer), group in responses.groupby(["condition", "layer"], sort=False):
        r = group["response"].to_numpy()
        t = group["time_ms"].to_numpy()
        peak = int(np.nanargmax(r)) if np.isfinite(r).any() else None
        rows.append({
            "experiment": protocol.name, "parameter": protocol.parameter, "condition": float(value), "layer": layer,
            "integrated_response": float(np.nansum(r) * dt),
            "peak_response": float(r[peak]) if peak is not None else np.nan,
            "peak_latency_ms": float(t[peak] - protocol.first_onset_ms(float(value))) if peak is not None else np.nan,
            "final_accuracy": float(group["accuracy"].iloc[-1]),
            "mean_accuracy": float(group["accuracy"].mean()),
            "max_accuracy": float(group["accuracy"].max()),
            "final_confidence": float(group["confidence"].iloc[-1]),
        })
    return pd.DataFrame(rows)


def to_dataset(responses: pd.DataFrame, metadata: Mapping[str, Any]):
    """``xarray.Dataset``: ``response (condition, time_ms, layer)`` and the
    behaviour ``(condition, time_ms)``; metadata as JSON attributes."""
    import xarray as xr

    # built from numpy (not DataFrame.to_xarray) to work with the old xarray Brain-Score pins
    conditions = np.sort(responses["condition"].unique())
    times = np.sort(responses["time_ms"].unique())
    layers = list(dict.fromkeys(responses["layer"]))
    ci = np.searchsorted(conditions, responses["condition"].to_numpy())
    ti = np.searchsorted(times, responses["time_ms"].to_numpy())
    li = np.array([layers.index(layer) for layer in responses["layer"]])
    response = np.full((len(conditions), len(times), len(layers)), np.nan)
    response[ci, ti, li] = responses["response"].to_numpy()
    variables = {"response": (("condition", "time_ms", "layer"), response)}
    for name in ("accuracy", "confidence", "p_true"):
        values = np.full((len(conditions), len(times)), np.nan)
        values[ci, ti] = responses[name].to_numpy()
        variables[name] = (("condition", "time_ms"), values)
    dataset = xr.Dataset(variables, coords={"condition": conditions, "time_ms": times, "layer": layers})
    dataset["time_ms"].attrs["units"] = "ms"
    dataset["time_ms"].attrs["long_name"] = "end of the simulation step after stimulus sequence start"
    dataset["condition"].attrs["long_name"] = str(metadata.get("parameter", "condition"))
    dataset.attrs.update({
        "experiment": str(metadata.get("experiment", "")),
        "parameter": str(metadata.get("parameter", "")),
        "metadata_json": json.dumps(metadata, default=str),
    })
    return dataset
