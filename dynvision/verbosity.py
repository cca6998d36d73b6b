"""How much the command line says: ``-q/--quiet``, normal, ``-v/--verbose``.

One level per process, held by Python's ``logging``: the loggers of the three
packages (``dynvision``, ``brain_models``, ``benchmarks``) print their
messages to stderr at that level. Commands report progress with :func:`info`
(hidden by ``-q``), details with :func:`detail` (shown by ``-v``), and show
progress bars only when :func:`progress_enabled`. Results and errors are
printed at every level.
"""
from __future__ import annotations

import logging

QUIET, NORMAL, VERBOSE = logging.WARNING, logging.INFO, logging.DEBUG

#: our packages' loggers, and the third-party ones that announce things at INFO
PACKAGES = ("dynvision", "brain_models", "benchmarks")
CHATTY = ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric")

_logger = logging.getLogger("dynvision")


def set_verbosity(level: int) -> None:
    """Apply ``level`` (:data:`QUIET`, :data:`NORMAL` or :data:`VERBOSE`) to this process."""
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if not any(getattr(h, "_dynvision", False) for h in logger.handlers):
            handler = logging.StreamHandler()  # sys.stderr at the time of each message
            handler.setFormatter(logging.Formatter("%(message)s"))
            handler._dynvision = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
        logger.propagate = False
    for name in CHATTY:  # Lightning's "GPU available: ..." lines are INFO; -q hides them
        logging.getLogger(name).setLevel(logging.WARNING if level >= QUIET else logging.INFO)


def verbosity() -> int:
    """The current level (:data:`NORMAL` until :func:`set_verbosity` is called)."""
    level = _logger.level
    return NORMAL if level == logging.NOTSET else level


def level_from_flags(quiet: bool, verbose: bool) -> int:
    """``-q`` and ``-v`` -> a level; both at once is an error."""
    if quiet and verbose:
        raise ValueError("-q/--quiet and -v/--verbose contradict each other; give one")
    return QUIET if quiet else VERBOSE if verbose else NORMAL


def is_verbose() -> bool:
    return verbosity() <= VERBOSE


def progress_enabled() -> bool:
    """Progress bars are shown unless ``-q``."""
    return verbosity() <= NORMAL


def info(message: str) -> None:
    """A progress message: printed to stderr unless ``-q`` (silent in library use,
    where :func:`set_verbosity` was not called)."""
    _logger.info(message)


def detail(message: str) -> None:
    """A detail only ``-v`` prints."""
    _logger.debug(message)
