"""The main loop of a query worker process: load a snapshot, answer queries, until told to stop.

A worker is a separate process so that a runaway query can be stopped for real: the server
kills the process, which frees its CPU and memory at once, and starts another.  Messages are
``(kind, payload)`` tuples over a pipe; each request gets exactly one reply.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


def isolate_network() -> bool:
    """Move this process into a network namespace of its own, with no interfaces at all.

    Defence in depth for a read-only endpoint: even a query that slipped past the ``SERVICE``
    check could not open a connection.  Needs root or unprivileged user namespaces; where
    neither is available it returns False and the check in ``syntax`` stays the only guard.
    """
    if not hasattr(os, "fork") or not ctypes.util.find_library("c"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    return any(libc.unshare(flags) == 0 for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET))


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space: a query that needs more makes the engine abort.

    The process dies at once (SIGABRT) instead of pushing the machine into swap or the OOM
    killer, which might pick the server itself; the pool reports it and starts another.
    """
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


PARENT_CHECK_SECONDS = 1.0


def exit_with_parent(parent: int, interval: float = PARENT_CHECK_SECONDS) -> None:
    """Exit at once when the server process ``parent`` is gone, even in a running query.

    An idle worker notices anyway (its pipe closes), but one busy with a runaway query
    would run on, holding CPU and memory, with no server left to stop it.  A thread checks
    the parent every ``interval`` seconds; pyoxigraph releases the GIL while it evaluates,
    so the check runs during a query too.  (``prctl(PR_SET_PDEATHSIG)`` would fire when the
    *thread* that started the worker ends, and the pool starts workers from short-lived
    threads.)  Once the parent is gone the process is reparented, so its ``getppid``
    changes; checking against the pid the server passed also covers a parent that died
    before this process started looking.
    """

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(interval)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(
    conn: Connection, isolate: bool, memory_mb: int | None = None, parent: int | None = None
) -> None:
    """Serve requests from ``conn`` until it closes or a ``stop`` message arrives."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops us
    isolated = isolate_network() if isolate else False  # while single-threaded: unshare
    if memory_mb:
        limit_memory(memory_mb)
    if parent is not None:
        exit_with_parent(parent)
    from clusterld.sparql import engine  # after unshare: the engine may start threads

    state: dict[str, Any] = {"isolated": isolated, "store": None, "engine": engine}
    while True:
        try:
            kind, payload = conn.recv()
            if kind == "stop":
                return
            conn.send(handle(kind, payload, state))
        except (EOFError, OSError):
            return  # the server closed the pipe, or is gone


def handle(kind: str, payload: Any, state: dict[str, Any]) -> tuple[str, Any]:
    """The reply to one request; never raises: this is the worker's outermost handler."""
    engine = state["engine"]
    try:
        if kind == "hello":
            return ("hello", {"pid": os.getpid(), "isolated": state["isolated"]})
        if kind == "load":
            state["store"] = None  # free the old version before loading the new one
            state["store"] = engine.load(payload)
            return ("loaded", payload.version)
        if kind == "query" and state["store"] is not None:
            return ("answer", engine.execute(state["store"], payload))
        return ("error", f"cannot handle {kind!r} now")
    except Exception as error:  # report it, and keep serving the next request
        return ("error", f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    options = sys.argv[2:]
    memory = next((int(o.split("=", 1)[1]) for o in options if o.startswith("--memory-mb=")), None)
    parent = next((int(o.split("=", 1)[1]) for o in options if o.startswith("--parent=")), None)
    main(Connection(int(sys.argv[1])), "--isolate-network" in options, memory, parent)
