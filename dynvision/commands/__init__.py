"""Sub-commands of the ``dynvision`` CLI that need only the core library (found by :mod:`dynvision.cli`)."""
