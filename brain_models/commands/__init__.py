"""Sub-commands of the ``dynvision`` CLI that need Brain-Score adapters (found by :mod:`dynvision.cli`)."""
