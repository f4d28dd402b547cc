"""A small pool of long-lived worker processes, each holding the dataset in pyoxigraph.

Why processes: pyoxigraph cannot be interrupted from another Python thread, so the only way to
stop a runaway query is to stop the process running it.  On a timeout the pool kills that
worker (its CPU and memory are freed at once), answers the request, and starts a replacement
in the background while the other workers keep serving.

Nothing starts when an application is built (every test builds one): the service warms the
pool up the first time ``/sparql`` is requested, and a query that finds no worker yet starts
one itself.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from clusterld.sparql.engine import QueryJob, QueryProblem, Snapshot
from clusterld.sparql.results import Rendered

log = logging.getLogger("clusterld.sparql")

START_TIMEOUT = 60.0
"""Seconds a new worker may take to start and load the dataset."""


class WorkerTimeout(Exception):
    """The worker did not answer in time and has been killed."""


class WorkerFailure(Exception):
    """The worker died or answered with an error instead of a result."""


class WorkerError(WorkerFailure):
    """The worker answered with an error report: it is alive and serves the next request."""


class WorkerGone(WorkerFailure):
    """The worker was dead before it received the request (it died while idle)."""


class WorkerOutOfMemory(WorkerFailure):
    """The worker died on reaching its memory limit (the engine aborts when it cannot allocate)."""


class WorkerKilled(WorkerFailure):
    """The worker was killed from outside (SIGKILL, SIGTERM: the OOM killer, an operator)
    while it ran the query: nothing is wrong with the query, so it may be sent again."""


class PoolBusy(Exception):
    """No worker became free in time."""


@dataclass(eq=False)
class Worker:
    """One worker process and the pipe to it."""

    process: subprocess.Popen[bytes]
    conn: Connection
    isolated: bool = False
    version: str | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def ask(self, kind: str, payload: Any, timeout: float) -> Any:
        """Send one request and wait for its reply.

        :raises WorkerTimeout: no reply within ``timeout`` seconds (the worker is killed).
        :raises WorkerFailure: the worker died or reported an error.
        """
        try:
            self.conn.send((kind, payload))
        except OSError as error:  # broken pipe: it died before this request reached it
            self.kill()
            raise WorkerGone(f"the worker process had stopped: {error}") from None
        try:
            if not self.conn.poll(timeout):
                self.kill()
                raise WorkerTimeout(f"no answer within {timeout:g} s")
            reply_kind, reply = self.conn.recv()
        except ConnectionResetError as error:
            # The worker closed its end with our request unread in it: it was already dead
            # (a worker that dies after reading a request leaves nothing unread: EOF).
            self.kill()
            raise WorkerGone(f"the worker process had stopped: {error}") from None
        except (EOFError, OSError) as error:
            self.kill()
            if self.process.returncode == -signal.SIGABRT:
                raise WorkerOutOfMemory("the worker ran out of memory") from None
            if self.process.returncode in (-signal.SIGKILL, -signal.SIGTERM):
                name = signal.Signals(-self.process.returncode).name
                raise WorkerKilled(f"the worker process was stopped by {name}") from None
            raise WorkerFailure(f"the worker process stopped: {error}") from None
        if reply_kind == "error":
            raise WorkerError(reply)
        return reply

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Stop the process now (SIGKILL), reap it and release the pipe."""
        if self.alive:
            self.process.kill()
        self.process.wait(5)
        self.conn.close()

    def stop(self) -> None:
        """Ask the process to exit, and kill it if it does not within two seconds."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(("stop", None))
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(2)
        self.kill()


class WorkerPool:
    """Up to ``size`` workers; a query borrows one, and a timed-out one is replaced."""

    def __init__(
        self, size: int, *, isolate_network: bool = True, memory_mb: int | None = None
    ) -> None:
        self.size = max(1, size)
        self.isolate_network = isolate_network
        self.memory_mb = memory_mb
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._count = 0
        self._workers: set[Worker] = set()
        self._snapshot: Snapshot | None = None
        self._closed = False
        self.started = False
        """Whether a worker has ever loaded a dataset: the pool has started, and a moment
        with none loaded after that is a replacement (at a timeout, say), not a start."""
        atexit.register(self.close)

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and logs)."""
        with self._lock:
            return [w.pid for w in self._workers if w.alive]

    def run(self, job: QueryJob, snapshot: Snapshot, *, timeout: float) -> Rendered | QueryProblem:
        """Run ``job`` on ``snapshot`` in a free worker, waiting at most ``timeout`` for each.

        :raises PoolBusy: every worker stayed busy for ``timeout`` seconds.
        :raises WorkerTimeout: the query ran longer than ``timeout`` (its worker was killed).
        :raises WorkerFailure: the worker crashed (it is replaced).
        """
        self._snapshot = snapshot
        deadline = time.monotonic() + timeout
        for attempt in range(self.size + 2):
            worker_ = self._acquire(deadline)
            try:
                return self._run_on(worker_, job, snapshot, timeout)
            except WorkerGone:
                # It died while idle (killed, or out of memory between queries): the query
                # never reached it, so it is safe to give it to another worker.
                log.warning("Query worker %s had stopped; trying another", worker_.pid)
                if attempt == self.size + 1:
                    raise
        raise AssertionError("unreachable")

    def _run_on(
        self, worker_: Worker, job: QueryJob, snapshot: Snapshot, timeout: float
    ) -> Rendered | QueryProblem:
        """Run ``job`` on one worker; a worker that failed is discarded and replaced."""
        if not worker_.alive:
            self._discard(worker_)
            raise WorkerGone("the worker process had stopped")
        try:
            if worker_.version != snapshot.version:
                worker_.ask("load", snapshot, START_TIMEOUT)
                worker_.version = snapshot.version
                self.started = True
            answer: Rendered | QueryProblem = worker_.ask("query", job, timeout)
        except WorkerError:
            self._idle.put(worker_)  # it reported the error and is ready for the next job
            raise
        except (WorkerTimeout, WorkerFailure):
            self._discard(worker_)
            raise
        self._idle.put(worker_)
        return answer

    @property
    def loaded_count(self) -> int:
        """Live workers that hold a dataset (idle or answering): none while starting."""
        with self._lock:
            return sum(1 for w in self._workers if w.alive and w.version is not None)

    @property
    def idle_count(self) -> int:
        """Workers started, loaded and waiting for a query."""
        return self._idle.qsize()

    def prepare(self, snapshot: Snapshot) -> None:
        """Start every missing worker now, in the background, loading ``snapshot``."""
        self._snapshot = snapshot
        self.warm_up()

    def warm_up(self) -> None:
        """Start every missing worker now, in the background."""
        while True:
            with self._lock:
                if self._closed or self._count >= self.size:
                    return
                self._count += 1
            threading.Thread(target=self._start_into_idle, daemon=True).start()

    def close(self) -> None:
        """Stop all workers; the pool cannot be used afterwards."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker_ in workers:
            worker_.stop()

    def _acquire(self, deadline: float) -> Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = not self._closed and self._count < self.size
            if grow:
                self._count += 1
        if grow:
            return self._start_counted()
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise PoolBusy("every query worker is busy") from None

    def _discard(self, worker_: Worker) -> None:
        """Forget a dead worker and start its replacement in the background."""
        self._discard_quietly(worker_)
        log.warning("Query worker %s stopped; starting a replacement", worker_.pid)
        self.warm_up()

    def _start_into_idle(self) -> None:
        try:
            worker_ = self._start_counted()
        except WorkerFailure:
            return
        snapshot = self._snapshot
        if snapshot is not None:
            try:
                worker_.ask("load", snapshot, START_TIMEOUT)
                worker_.version = snapshot.version
                self.started = True
            except (WorkerTimeout, WorkerFailure) as error:
                log.error("A new query worker failed to load the dataset: %s", error)
                self._discard_quietly(worker_)
                return
        self._idle.put(worker_)

    def _start_counted(self) -> Worker:
        """Start one worker whose slot is already counted; give the slot back on failure."""
        try:
            worker_ = self._spawn()
        except (WorkerTimeout, WorkerFailure, OSError, ValueError) as error:
            with self._lock:
                self._count -= 1
            log.error("A query worker failed to start: %s", error)
            raise WorkerFailure(str(error)) from None
        with self._lock:
            closed = self._closed
            if closed:
                self._count -= 1
            else:
                self._workers.add(worker_)
        if closed:
            worker_.stop()
            raise WorkerFailure("the pool is closed")
        return worker_

    def _spawn(self) -> Worker:
        """Start ``python -m clusterld.sparql.worker`` with one end of a socket pair.

        A plain subprocess rather than ``multiprocessing``: nothing of the server's main
        module is imported again in the worker, whatever script started the server.
        """
        ours, theirs = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        env.setdefault("MALLOC_ARENA_MAX", "2")  # fewer 64 MB arenas under the address-space cap
        command = [
            sys.executable,
            "-m",
            "clusterld.sparql.worker",
            str(theirs.fileno()),
            f"--parent={os.getpid()}",  # it exits when this process is gone
        ]
        if self.isolate_network:
            command.append("--isolate-network")
        if self.memory_mb:
            command.append(f"--memory-mb={self.memory_mb}")
        with theirs:
            try:
                process = subprocess.Popen(
                    command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env
                )
            except OSError:
                ours.close()
                raise
        worker_ = Worker(process, Connection(ours.detach()))
        hello = worker_.ask("hello", None, START_TIMEOUT)
        worker_.isolated = bool(hello["isolated"])
        return worker_

    def _discard_quietly(self, worker_: Worker) -> None:
        """Kill a worker and forget it, starting no replacement: a new one that failed to load."""
        worker_.kill()
        with self._lock:
            self._workers.discard(worker_)
            self._count -= 1
