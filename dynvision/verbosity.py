"""How much the command line says: ``-q/--quiet``, normal, ``-v/--verbose``.

One level per process, held by Python's ``logging``: the loggers of the three
packages (``dynvision``, ``brain_models``, ``benchmarks``) print their
messages to stderr at that level (``-v`` adds their debug messages, e.g. the
feature reduction of each recorded layer). Commands report progress with
:func:`info` (hidden by ``-q``) and show progress bars only when
:func:`progress_enabled`. Results and errors are printed at every level.
Records still propagate to the root logger (the command line adds no handler
there; pytest's ``caplog`` does). An error is one line (:func:`report_error`)
unless ``--debug`` or ``-v`` asked for its traceback.
"""
from __future__ import annotations

import logging
import os
import sys

QUIET, NORMAL, VERBOSE = logging.WARNING, logging.INFO, logging.DEBUG

#: our packages: their loggers print at the chosen level; their exceptions are written for users
PACKAGES = ("dynvision", "brain_models", "benchmarks")
#: where Lightning's ``rank_zero_info`` ("GPU available: ...") writes; the level goes on these
#: because Lightning resets its package loggers to INFO when it is imported
CHATTY = ("pytorch_lightning.utilities.rank_zero", "lightning_fabric.utilities.rank_zero",
          "lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero")

_logger = logging.getLogger("dynvision")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a message is logged (not the one
    at set-up: a caller may redirect it later)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


_tracebacks = [False]
_set_tqdm = [False]  # whether -q set TQDM_DISABLE (and may unset it again)


def set_verbosity(level: int, tracebacks: bool = False) -> None:
    """Apply ``level`` (:data:`QUIET`, :data:`NORMAL` or :data:`VERBOSE`) to this
    process; ``tracebacks``: :func:`report_error` re-raises instead of printing a line."""
    _tracebacks[0] = bool(tracebacks)
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
            handler = _StderrHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
    for name in CHATTY:  # Lightning's "GPU available: ..." lines are INFO; -q hides them
        logging.getLogger(name).setLevel(logging.WARNING if level >= QUIET else logging.NOTSET)
    # third-party progress bars (Brain-Score's cross-validation) read tqdm's variable
    if level >= QUIET and "TQDM_DISABLE" not in os.environ:
        os.environ["TQDM_DISABLE"] = "1"
        _set_tqdm[0] = True
    elif level < QUIET and _set_tqdm[0]:  # a user's own TQDM_DISABLE is left alone
        os.environ.pop("TQDM_DISABLE", None)
        _set_tqdm[0] = False


def verbosity() -> int:
    """The current level (:data:`NORMAL` until :func:`set_verbosity` is called)."""
    level = _logger.level
    return NORMAL if level == logging.NOTSET else level


def level_from_flags(quiet: bool, verbose: bool) -> int:
    """``-q`` and ``-v`` -> a level; both at once is an error."""
    if quiet and verbose:
        raise ValueError("-q/--quiet and -v/--verbose contradict each other; give one")
    return QUIET if quiet else VERBOSE if verbose else NORMAL


def progress_enabled() -> bool:
    """Progress bars are shown unless ``-q``."""
    return verbosity() <= NORMAL


def info(message: str) -> None:
    """A progress message: printed to stderr unless ``-q`` (silent in library use,
    where :func:`set_verbosity` was not called)."""
    _logger.info(message)


def describe_error(error: BaseException) -> str:
    """One line: our own errors, ``ValueError`` and ``OSError`` by their message (written
    for users), anything else prefixed with its type. (A config error with several
    problems keeps one line per problem.)"""
    from .config.errors import ConfigError  # imported only when something failed

    message = str(error) if isinstance(error, ConfigError) else " ".join(str(error).split())
    plain = type(error) is ValueError or isinstance(error, OSError)
    if message and (plain or type(error).__module__.split(".")[0] in PACKAGES):
        return message
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def report_error(command: str, error: BaseException) -> int:
    """Print ``dynvision COMMAND: error: ...`` as one line and return the exit status:
    2 for bad input (our own errors, ``ValueError``, files), 1 for anything unexpected. With
    ``--debug``/``-v`` re-raise ``error`` instead, so its traceback shows."""
    if _tracebacks[0]:
        raise error
    print(f"dynvision {command}: error: {describe_error(error)} (--debug shows the traceback)", file=sys.stderr)
    own = type(error).__module__.split(".")[0] in PACKAGES
    return 2 if own or isinstance(error, (ValueError, OSError)) else 1
