"""Progress of long work: a live line on a terminal, one log line per phase otherwise.

Publishing a million triples takes seconds to minutes; a command that prints nothing while
it works looks hung.  On a terminal the current phase is redrawn in place (triples done,
rate, time left when the total is known); in a log (CI, a service manager) each phase ends
with one line saying what it did and how long it took.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

log = logging.getLogger("clusterld.publish")


class Progress:
    """Reports phases of one piece of work."""

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self._phase = ""
        self._started = 0.0
        self._total: int | None = None
        self._last_draw = 0.0

    @contextmanager
    def phase(self, name: str, total: int | None = None) -> Iterator[Progress]:
        """Time one phase; ``update`` inside it reports how far it got."""
        self._phase, self._total, self._started = name, total, time.monotonic()
        self._done = 0
        try:
            yield self
        finally:
            elapsed = time.monotonic() - self._started
            detail = f"{self._done:,} triples, " if self._done else ""
            if self.live:
                self.stream.write("\r\x1b[K")
            log.info("%s: %s%.1f s", name, detail, elapsed)

    def update(self, done: int) -> None:
        """``done`` triples (or items) of the current phase are finished."""
        self._done = done
        now = time.monotonic()
        if not self.live or now - self._last_draw < 0.2:
            return
        self._last_draw = now
        elapsed = max(now - self._started, 1e-6)
        rate = done / elapsed
        line = f"{self._phase}: {done:,} triples, {rate:,.0f}/s"
        if self._total and rate > 0:
            line += f", {max(self._total - done, 0) / rate:.0f} s left"
        self.stream.write(f"\r\x1b[K{line}")
        self.stream.flush()
