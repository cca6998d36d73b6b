"""Brain-Score scores as plain numbers: headline, raw, ceiling, error and per-bin values
(:func:`summarize_score`), and the arrays of a score as a netCDF-safe dataset (:func:`score_arrays`)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from brain_models.headline import bin_values, mean_over_bins


def _values(score: Any) -> np.ndarray:
    return np.asarray(getattr(score, "values", score), dtype=float)


def _mean(score: Any) -> Optional[float]:
    if score is None:
        return None
    values = _values(score)
    if values.size == 0 or np.all(np.isnan(values)):
        return None
    return float(np.nanmean(values))


def _time_bins_of(score: Any) -> Optional[List[Tuple[float, float]]]:
    if score is None or "time_bin" not in getattr(score, "dims", ()):
        return None
    if "time_bin_start" in score.coords and "time_bin_end" in score.coords:
        starts, ends = score["time_bin_start"].values, score["time_bin_end"].values
        return [(float(s), float(e)) for s, e in zip(starts, ends)]
    return [(float(start), float(end)) for start, end in score["time_bin"].values]


def _per_bin(score: Any, raw: Any, ceiling: Any) -> List[Dict[str, Any]]:
    """One entry per time bin when the benchmark scores several: the ceiled score as counted in
    the headline (undefined -> 0), Brain-Score's raw r and ceiling (None where undefined), and
    flags for a bin whose r is undefined or below 0."""
    bins = _time_bins_of(score) or _time_bins_of(raw)
    if not bins or len(bins) < 2:
        return []

    def along(value: Any, n: int) -> List[Optional[float]]:
        if value is None:
            return [None] * n
        values = _values(value).reshape(-1) if "time_bin" in getattr(value, "dims", ()) else None
        if values is None or values.size != n:
            scalar = _mean(value)
            return [scalar] * n
        return [None if np.isnan(v) else float(v) for v in values]

    n = len(bins)
    raws, ceilings = along(raw, n), along(ceiling, n)
    own = bin_values(score)  # the benchmark's own per-bin ceiled scores, or Brain-Score's time_bin array
    if own is None and _values(score).size == n:
        own = _values(score).reshape(-1)  # Brain-Score's explained_variance drops the bin labels, keeps raw's order
    if own is not None and own.size == n:
        scores = [None if np.isnan(v) else float(v) for v in own]
    else:
        scores = _decompose(_mean(score), raws, ceilings)
    entries = []
    for i, (start, end) in enumerate(bins):
        raw_i = raws[i]
        undefined = raw_i is None
        entries.append({"time_bin_start": start, "time_bin_end": end,
                        "score": 0.0 if undefined and scores[i] is None else scores[i],
                        "raw": raw_i, "ceiling": ceilings[i], "undefined": undefined,
                        "negative_r": bool(raw_i is not None and raw_i < 0)})
    return entries


def _decompose(headline: Optional[float], raws: List[Optional[float]],
               ceilings: List[Optional[float]]) -> List[Optional[float]]:
    """Per-bin ceiled scores when the benchmark returns only their mean: Brain-Score ceils each bin
    (``r**2 / ceiling`` or ``r / ceiling``) and averages; whichever reproduces the headline is used."""
    n = len(raws)
    if headline is None or any(v is None for v in raws + ceilings) or any(c == 0 for c in ceilings):
        return [None] * n
    for ceil in (lambda r, c: r ** 2 / c, lambda r, c: r / c):
        values = [ceil(r, c) for r, c in zip(raws, ceilings)]
        if np.isclose(np.mean(values), headline, rtol=1e-4, atol=1e-9):
            return [float(v) for v in values]
    return [None] * n


def summarize_score(score: Any) -> Dict[str, Any]:
    """Headline numbers of a Brain-Score ``Score``: ceiled score, raw, ceiling, error, per-bin values.

    One rule for every temporal score (Brain-Score's temporal benchmarks, this project's, user
    data): the headline is the mean over all time bins with undefined bins counted as 0
    (:func:`brain_models.headline.mean_over_bins`); so is ``raw`` (an undefined r as 0);
    ``ceiling`` is the mean of the per-bin ceilings. A static score is Brain-Score's number.
    Bins with an undefined r or r < 0 are listed (``undefined_bins``, ``negative_r_bins``)."""
    attrs = getattr(score, "attrs", {})
    raw = attrs.get("raw")
    ceiling = attrs.get("ceiling")
    error = attrs.get("error")
    if error is None and raw is not None:
        error = getattr(raw, "attrs", {}).get("error")
    if getattr(ceiling, "attrs", {}).get("unceiled"):
        ceiling = None  # a unit placeholder (no ceiling could be estimated): reported as none
    per_bin = _per_bin(score, raw, ceiling)
    headline_score: Optional[float]
    headline_raw: Optional[float]
    if per_bin:
        headline_score = mean_over_bins([np.nan if b["score"] is None else b["score"] for b in per_bin])
        headline_raw = (None if all(b["raw"] is None for b in per_bin)
                        else mean_over_bins([np.nan if b["raw"] is None else b["raw"] for b in per_bin]))
    else:
        headline_score, headline_raw = _mean(score), _mean(raw)
    return {
        "score": headline_score,
        "raw": headline_raw,
        "ceiling": _mean(ceiling),
        "error": _mean(error),
        "per_bin": per_bin,
        "negative_r_bins": [[b["time_bin_start"], b["time_bin_end"]] for b in per_bin if b["negative_r"]],
        "undefined_bins": [[b["time_bin_start"], b["time_bin_end"]] for b in per_bin if b["undefined"]],
    }


def score_arrays(score: Any, per_bin: List[Dict[str, Any]], per_layer: Dict[str, float]) -> Any:
    """The arrays of a score as an ``xarray.Dataset`` with plain (netCDF-safe) coordinates."""
    import xarray as xr

    variables: Dict[str, xr.DataArray] = {}
    if per_bin:
        coords = {"time_bin_start": ("time_bin", [b["time_bin_start"] for b in per_bin]),
                  "time_bin_end": ("time_bin", [b["time_bin_end"] for b in per_bin])}
        for key in ("score", "raw", "ceiling"):
            values = [np.nan if b[key] is None else b[key] for b in per_bin]
            variables[f"{key}_per_bin"] = xr.DataArray(np.asarray(values, dtype=float), dims=["time_bin"],
                                                       coords=coords)
    if per_layer:
        layers = list(per_layer)
        variables["score_per_layer"] = xr.DataArray(
            np.asarray([np.nan if per_layer[k] is None else per_layer[k] for k in layers], dtype=float),
            dims=["layer"], coords={"layer": np.asarray(layers, dtype=str)})
    raw = getattr(score, "attrs", {}).get("raw")
    inner = getattr(raw, "attrs", {}).get("raw") if raw is not None else None
    if inner is not None:
        plain = _plain_dataarray(inner)
        if plain is not None:
            variables["raw_values"] = plain  # e.g. split x neuroid correlations
    ceiling = getattr(score, "attrs", {}).get("ceiling")
    inner_ceiling = getattr(ceiling, "attrs", {}).get("raw") if ceiling is not None else None
    if inner_ceiling is not None:
        plain = _plain_dataarray(inner_ceiling)
        if plain is not None:
            variables["ceiling_values"] = plain
    return xr.Dataset(variables)


def _plain_dataarray(array: Any) -> Any:
    """A copy with plain dims and 1-D string/number coordinates (MultiIndex levels flattened)."""
    import xarray as xr

    if not hasattr(array, "dims") or not hasattr(array, "values"):
        return None
    try:
        values = np.asarray(array.values, dtype=float)
    except (TypeError, ValueError):
        return None
    dims = [str(d) for d in array.dims]
    coords = {}
    for name in array.coords:
        if name in array.dims and hasattr(array.indexes.get(name), "levels"):
            continue  # the MultiIndex itself; its levels are listed as coords too
        coord = array.coords[name]
        if coord.ndim != 1 or coord.dims[0] not in dims:
            continue
        data = np.asarray(coord.values)
        if data.dtype.kind in "OUS":
            data = data.astype(str)
        elif data.dtype.kind not in "biuf":
            continue
        coords[str(name)] = (coord.dims[0], data)
    renamed = {name: (f"{name}_" if name in dims else name) for name in coords}
    coords = {renamed[name]: value for name, value in coords.items()}
    return xr.DataArray(values, dims=dims, coords=coords)
