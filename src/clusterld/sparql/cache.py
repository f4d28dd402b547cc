"""A bounded cache of serialised SPARQL answers, for one data version at a time.

A published version never changes, so the answer to a query is the same until the next
version: public endpoints get the same few queries again and again, and answering them from
memory spares the worker round trip and the evaluation.  The cache is least-recently-used,
bounded by the bytes of the answers it holds (``SPARQL_CACHE_MB``, 0: off), keyed by what
decides an answer (see :meth:`clusterld.sparql.service.SparqlService.prepare`), and emptied
whenever a request of another version arrives or the server reloads.  Each server process
has its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from clusterld.sparql.results import Rendered

ENTRY_OVERHEAD = 200
"""Bytes counted for an entry besides its body (key, objects): small answers are not free."""


class ResultCache:
    """Answers by key, for the version last seen; at most ``max_bytes`` of them."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self._entries: OrderedDict[str, Rendered] = OrderedDict()
        self._version: str | None = None
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def size(self) -> int:
        """Bytes held (bodies plus a fixed overhead per entry)."""
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, version: str, key: str) -> Rendered | None:
        """The answer stored for ``key`` in ``version``, now the most recently used; or None."""
        if not self.enabled:
            return None
        with self._lock:
            if version != self._version:
                self.misses += 1
                return None
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, version: str, key: str, answer: Rendered) -> None:
        """Keep ``answer``; drop every other version's answers, then the least recently used
        ones until it fits.  An answer over a quarter of the cache is not kept: one huge
        answer must not push out hundreds of small popular ones."""
        cost = len(answer.body) + ENTRY_OVERHEAD
        if not self.enabled or cost > self.max_bytes // 4:
            return
        with self._lock:
            if version != self._version:
                self._drop_all()
                self._version = version
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= len(previous.body) + ENTRY_OVERHEAD
            self._entries[key] = answer
            self._size += cost
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.body) + ENTRY_OVERHEAD

    def clear(self) -> None:
        """Forget everything (a reload: the next version starts empty)."""
        with self._lock:
            self._drop_all()
            self._version = None

    def _drop_all(self) -> None:
        self._entries.clear()
        self._size = 0
