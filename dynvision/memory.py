"""Peak resident memory of this process over a block of code (Linux /proc),
used by the memory checks in tests and the ``perf/`` scripts."""
from __future__ import annotations

import os
import threading
import time


class PeakRSS:
    """``with PeakRSS() as m: ...`` then ``m.peak`` and ``m.growth`` (bytes),
    sampled every ``interval`` seconds from ``/proc/self/statm`` (0 where absent)."""

    def __init__(self, interval: float = 0.002):
        self.interval, self.start, self.peak = interval, 0, 0
        self._stop = threading.Event()
        self._thread: threading.Thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss() -> int:
        try:
            with open("/proc/self/statm") as handle:
                return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def __enter__(self) -> "PeakRSS":
        self.start = self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def growth(self) -> int:
        return self.peak - self.start
