"""Whether a user data set's cross-validation splits can be stratified by ``object_name``.

Brain-Score's PLS metric splits stimuli with scikit-learn's
``StratifiedShuffleSplit`` (10 splits, 90 % train) when given a stratification
coordinate, which needs every class twice and at least as many test and train
stimuli as there are classes. The splits are stratified when the data set
meets that; otherwise they are drawn unstratified (``ShuffleSplit``) and the
result says why.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

#: the coordinate Brain-Score stratifies its splits by
STRATIFY_BY = "object_name"


def stratification(assembly: Any) -> Tuple[Optional[str], str]:
    """``(coordinate or None, note)`` for the repeat-averaged ``assembly`` (one row per stimulus).

    The check is the splitter itself: sklearn's ``StratifiedShuffleSplit`` with
    Brain-Score's split settings is asked for its splits; when it refuses, the
    splits are unstratified.
    """
    from brainscore_vision.metric_helpers.transformations import Split
    from sklearn.model_selection import StratifiedShuffleSplit

    from ..neural import has_coord

    if not has_coord(assembly, STRATIFY_BY):
        return None, f"cross-validation unstratified: the stimuli have no {STRATIFY_BY!r} column"
    labels = np.asarray(assembly[STRATIFY_BY].values)
    splitter = StratifiedShuffleSplit(n_splits=Split.Defaults.splits, train_size=Split.Defaults.train_size,
                                      random_state=Split.Defaults.random_state)
    try:
        for _ in splitter.split(np.zeros(len(labels)), labels):
            pass
    except ValueError as error:
        return None, (f"cross-validation unstratified: {STRATIFY_BY!r} cannot stratify "
                      f"{Split.Defaults.splits} splits of {len(labels)} stimuli into "
                      f"{len(np.unique(labels))} classes ({error})")
    return STRATIFY_BY, (f"cross-validation stratified by {STRATIFY_BY!r} ({len(np.unique(labels))} classes, "
                         f"{len(labels)} stimuli)")
