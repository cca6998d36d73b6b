"""One progress bar per phase of a scoring run, fed by the adapter's progress hook.

The runner names each phase (``[benchmark] activations``, ``[benchmark] layer V4``);
every recording the benchmark makes during that phase (train and test stimuli, each
candidate layer of a layer selection) adds its images to the phase's one bar, so bars
never interleave. A new phase closes the previous bar.
"""
from __future__ import annotations

import sys
from typing import Any, Optional


class PhaseProgress:
    """A ``progress(done, total)`` hook for :class:`~brain_models.DynVisionBrainModel` that
    drives one tqdm bar per phase (``enabled=False``: no output at all)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.label = "activations"
        self._bar: Optional[Any] = None
        self._done = 0  # images done in the current recording

    def phase(self, label: str) -> None:
        """Start a phase: later images count on a new bar named ``label``."""
        self.close()
        self.label = label

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=0, desc=self.label, unit="img", disable=not self.enabled, leave=False,
                             file=sys.stderr, dynamic_ncols=True)
        if done == 0:  # a new recording in this phase: its images join the bar
            self._bar.total += total
            self._bar.refresh()
            self._done = 0
        elif done > self._done:
            self._bar.update(done - self._done)
            self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
