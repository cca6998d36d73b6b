"""Sub-commands of the ``dynvision`` CLI that score, compare and report (found by :mod:`dynvision.cli`)."""
