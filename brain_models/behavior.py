"""Behavioural readouts, built on Brain-Score's own behaviour helpers.

Brain-Score's ``ProbabilitiesMapping`` (standard-scaled logistic regression
fitted on the fitting stimuli), ``OddOneOut`` (dot-product similarity, the
odd one is the stimulus outside the most similar pair) and ``LabelBehavior``
(ImageNet logits -> synsets or labels) take an "activations model"; the
adapter's readout features (the readout layer averaged over the readout
bin) play that role, so the readouts are exactly Brain-Score's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional

from brainscore_core.supported_data_standards.brainio.assemblies import BehavioralAssembly, walk_coords
from brainscore_vision.model_helpers.brain_transformation.behavior import LabelBehavior, OddOneOut, ProbabilitiesMapping
from brainscore_vision.model_interface import BrainModel

from .recording import CLASSIFIER

if TYPE_CHECKING:  # pragma: no cover
    from .adapter import DynVisionBrainModel

IMAGENET_CLASSES = 1000


def probabilities_readout(brain_model: "DynVisionBrainModel", fitting_stimuli: Any,
                          number_of_trials: int = 1, require_variance: bool = False) -> ProbabilitiesMapping:
    """Brain-Score's logistic-regression readout, fitted on the readout layer's
    features of ``fitting_stimuli``; choices are the fitting ``image_label`` values."""
    if "image_label" not in getattr(fitting_stimuli, "columns", []):
        raise ValueError("fitting_stimuli need an 'image_label' column (the labels to fit the readout to)")
    mapping = ProbabilitiesMapping(identifier=brain_model.identifier, activations_model=brain_model._readout_activations,
                                   layer=brain_model.readout_layer())
    mapping.start_task(BrainModel.Task.probabilities, fitting_stimuli, number_of_trials=number_of_trials,
                       require_variance=require_variance)
    return mapping


def odd_one_out_readout(brain_model: "DynVisionBrainModel") -> OddOneOut:
    """Brain-Score's odd-one-out on the readout layer's features: ``look_at``
    takes triplets (every three consecutive stimuli) and returns, per triplet,
    the ``stimulus_id`` of the odd one."""
    readout = OddOneOut(identifier=brain_model.identifier, activations_model=brain_model._readout_activations,
                        layer=brain_model.readout_layer())
    readout.start_task(BrainModel.Task.odd_one_out)
    return readout


class LabelReadout:
    """The classifier's choice at the readout time.

    - ``'imagenet'`` or labels Brain-Score maps onto ImageNet classes, for a
      1000-class model: Brain-Score's ``LabelBehavior`` on the logits.
    - otherwise the model's own classes: ``choice_labels`` must be the model's
      ``class_names`` (or a subset of them), or a list with one label per
      class (class ``i`` is ``choice_labels[i]``).
    """

    def __init__(self, brain_model: "DynVisionBrainModel", choice_labels: Any = None, aggregation: str = "mean"):
        self.brain_model = brain_model
        n_classes = int(getattr(brain_model.model, "n_classes", 0))
        class_names = getattr(brain_model.model, "class_names", None)
        class_names = list(class_names) if class_names is not None else None
        if choice_labels is None:
            choice_labels = "imagenet" if n_classes == IMAGENET_CLASSES else class_names
        if choice_labels is None:
            raise ValueError(
                f"{brain_model.identifier}: the label task needs choice labels: 'imagenet' (a 1000-class model), "
                f"a list of labels, or a model with class_names ({n_classes} classes)")
        self.labels: Optional[List[Any]] = None
        self.indices: Optional[List[int]] = None
        self.imagenet: Optional[LabelBehavior] = None
        if isinstance(choice_labels, str) and choice_labels == "imagenet" and n_classes != IMAGENET_CLASSES:
            raise ValueError(f"{brain_model.identifier}: choice_labels='imagenet' needs a 1000-class ImageNet "
                             f"classifier; this model has {n_classes} classes (give one label per class instead)")
        if isinstance(choice_labels, str) and choice_labels != "imagenet":
            raise ValueError(f"choice_labels={choice_labels!r}: use 'imagenet' or a list of labels")
        labels = None if isinstance(choice_labels, str) else list(choice_labels)
        if class_names is not None and labels is not None and set(labels) <= set(class_names):
            self.labels, self.indices = labels, [class_names.index(label) for label in labels]
        elif labels is not None and len(labels) == n_classes and n_classes != IMAGENET_CLASSES:
            self.labels, self.indices = labels, list(range(n_classes))
        elif n_classes == IMAGENET_CLASSES:
            self.imagenet = LabelBehavior(identifier=brain_model.identifier,
                                          activations_model=brain_model._readout_activations)
            self.imagenet.start_task(BrainModel.Task.label, choice_labels, aggregation=aggregation)
        else:
            raise ValueError(
                f"{brain_model.identifier}: cannot map choice labels {choice_labels!r} onto the model's "
                f"{n_classes} classes; give one label per class, or set model.class_names")

    def look_at(self, stimuli: Any, number_of_trials: int = 1, require_variance: bool = False) -> BehavioralAssembly:
        if self.imagenet is not None:
            return self.imagenet.look_at(stimuli, number_of_trials=number_of_trials, require_variance=require_variance)
        logits = self.brain_model.features(stimuli, [CLASSIFIER]).squeeze("time_bin", drop=True)
        logits = logits.transpose("presentation", "neuroid")
        scores = logits.values[:, self.indices]
        choices = [self.labels[i] for i in scores.argmax(axis=1)]
        coords = {**{coord: (dims, values) for coord, dims, values in walk_coords(logits["presentation"])},
                  "label": ("presentation", choices)}
        return BehavioralAssembly([choices], coords=coords, dims=["choice", "presentation"])
