"""Errors raised when data is missing or laid out wrongly."""


class DataError(ValueError):
    """Data exists but cannot be used (wrong layout, mismatched classes, ...)."""


class DataNotFoundError(DataError, FileNotFoundError):
    """A data path does not exist; the message names it and the expected layout."""
