"""The ground-truth network's true parameters (plain data, no torch import):
part of the synthetic data's content hash."""
from __future__ import annotations

from typing import Any, Dict, Optional

#: ms values, recurrence gains and the weight seed of :class:`.network.SyntheticGroundTruth`
TRUE_PARAMETERS: Dict[str, Any] = {
    "dt": 2.0,
    "tau_v1": 4.0,
    "tau_it": 8.0,
    "t_feedforward_it": 2.0,
    "t_recurrence_v1": 2.0,
    "t_recurrence_it": 4.0,
    "recurrence_gain_v1": 0.5,
    "recurrence_gain_it": 1.3,
    "seed": 7,
}
#: the generator's image statistics; the network is "trained" on this normalization
IMAGE_MEAN = (0.5, 0.5, 0.5)
IMAGE_STD = (0.25, 0.25, 0.25)


def describe(parameters: Optional[Dict[str, Any]] = None) -> str:
    """One line naming the network's parameters (default: the true ones)."""
    p = {**TRUE_PARAMETERS, **(parameters or {})}
    return (f"SyntheticGroundTruth V1->IT: dt={p['dt']:g} ms, tau V1/IT={p['tau_v1']:g}/{p['tau_it']:g} ms, "
            f"IT t_feedforward={p['t_feedforward_it']:g} ms, t_recurrence V1/IT="
            f"{p['t_recurrence_v1']:g}/{p['t_recurrence_it']:g} ms, recurrence gain V1/IT="
            f"{p['recurrence_gain_v1']:g}/{p['recurrence_gain_it']:g}, seed={p['seed']}")
