"""DynVision's component library: the user API of
``spec/creating-custom-models.md``."""
from .base import DEFAULT_LAYER_OPERATIONS, DynamicsModel, Readout
from .connections import Connection, Feedback, Skip
from .layers import Adaptation, RecurrentConnectedConv2d, integration_strategies
from .lightning import LightningBase, temporal_cross_entropy
from .nonlinearities import SupraLinear, nonlinearities
from .operations import DynamicsError, LayerRuntime, operations
from .recurrence import recurrence_types
from .solvers import EulerStep, RungeKuttaStep, make_solver, solvers
from .trainable import TrainableModel
from .timing import TimeStepError, ms_to_steps, step_end_times

__all__ = [
    "Adaptation", "Connection", "DEFAULT_LAYER_OPERATIONS", "DynamicsError", "DynamicsModel",
    "EulerStep", "Feedback", "LayerRuntime", "LightningBase", "Readout", "RecurrentConnectedConv2d",
    "RungeKuttaStep", "Skip", "SupraLinear", "TimeStepError", "TrainableModel", "integration_strategies",
    "make_solver", "ms_to_steps",
    "nonlinearities", "operations", "recurrence_types", "solvers", "step_end_times",
    "temporal_cross_entropy",
]
