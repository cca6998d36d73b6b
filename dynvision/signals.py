"""Interrupted commands exit non-zero: SIGTERM becomes an exception, so the code between the
signal and the exit (atomic writes, Lightning's teardown) unwinds as it does for Ctrl-C.

``dynvision`` installs :func:`raise_on_sigterm` around every command and exits with
:attr:`Terminated.exit_code` (143 for SIGTERM, as a shell reports a process killed by it);
Ctrl-C stays ``KeyboardInterrupt`` (exit 130). Lightning keeps a SIGTERM handler of its own
during ``fit`` and calls an existing one after it, so the exception is raised there too.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


class Terminated(BaseException):
    """The process received a termination signal. A ``BaseException`` (like ``KeyboardInterrupt``)
    so that ``except Exception`` blocks do not swallow it."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        self.signum = int(signum)
        super().__init__(f"received {signal.Signals(self.signum).name}")

    @property
    def exit_code(self) -> int:
        """``128 + signal number`` (143 for SIGTERM), what a shell reports for a killed process."""
        return 128 + self.signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def raise_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (restored afterwards). Outside the
    main thread, where Python cannot install handlers, this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


__all__ = ["Terminated", "raise_on_sigterm"]
