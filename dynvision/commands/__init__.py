"""Sub-commands of the ``dynvision`` CLI (see :mod:`dynvision.cli`)."""
