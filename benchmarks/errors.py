"""Errors shared by the catalog and the benchmark loaders."""
from __future__ import annotations


class DataNotAvailableError(FileNotFoundError):
    """The data a benchmark needs is not on this machine and cannot be fetched now.

    The message names the dataset, the directory searched, the variable that
    moves it and how to fill it.
    """

    def __str__(self) -> str:  # FileNotFoundError would prefix an errno
        return str(self.args[0])


class ScoringError(RuntimeError):
    """Scoring could not run (bad model specification, uncommitted region, ...)."""
