"""Publishing in a process of its own, for ``clusterld serve``: the server's memory stays its own.

Publishing parses every file, bulk-loads Oxigraph, materialises, writes the dumps and
validates: hundreds of megabytes at 200,000 triples.  Done inside the server (as it was), it
left the server that much bigger after every reload, because CPython keeps the memory it
frees for later use (the soak run: 570 MB → 752 MB in 3 minutes, one step per reload).  In a
child process all of it goes back to the system when the child exits; the server then opens
the finished version read-only, as ``--store`` does.

Why a plain subprocess (``python -c``, calling :func:`run`) with a socket pair,
not ``multiprocessing``: as for the SPARQL workers, nothing of the server's main module is
imported again, and no resource-tracker process is left behind.  Starting Python and
importing the publishing code costs about a second (measured in benchmarks/README.md),
small beside a publish, and a version already published is opened without a child at all.

What comes back: the version's folder, or the :class:`~clusterld.errors.ClusterLDError` the
publish raised, whole (it pickles with all its attributes: an ``InvalidDataError`` with its
report, an ``RDFSyntaxError`` with file, line and column).  Anything else, a crash or a child
that died, becomes :class:`~clusterld.publishing.publish.PublishFailed`; nothing was made
current and the served version stays.  The child exits when the server does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from clusterld.errors import ClusterLDError

log = logging.getLogger("clusterld.publish")

COMMAND = (sys.executable, "-c", "from clusterld.publishing.isolated import run; run()")
"""How the child is started (tests start a variant that injects a fault first)."""

POLL_SECONDS = 0.5
"""How often the server checks that a child it waits for is still alive."""


def publish_isolated(
    settings: Mapping[str, Any], root: Path, *, make_current: bool, timeout: float
) -> Path:
    """Publish as :func:`~clusterld.publishing.publish.publish` does, in a child process.

    :param timeout: seconds the child may take; then it is killed and the publish refused.
    :raises ClusterLDError: what the publish raised, unchanged; or ``PublishFailed`` if
        the child crashed, died or ran out of time.
    """
    from clusterld.publishing.publish import PublishFailed

    job = {
        "settings": _picklable(settings),
        "root": str(root),
        "make_current": make_current,
        "formatter": _log_formatter(),
    }
    started = time.monotonic()
    process, conn = _start()
    reply: tuple[str, Any] | None = None
    try:
        try:
            conn.send(job)
        except OSError:  # it died before reading its job: said below, as a child that died
            reply = None
        else:
            reply = _wait(process, conn, started + timeout)
    finally:
        conn.close()
        _reap(process, at_once=reply is None)
    if reply is None:
        if time.monotonic() - started >= timeout:
            why = f"took longer than {timeout:g} s (PUBLISH_TIMEOUT) and was stopped"
        else:
            why = f"stopped before it finished ({_exit_reason(process.returncode)})"
        raise PublishFailed(
            f"{root}: the publishing process {why}; nothing was published and the current "
            "version is unchanged. See the server's log, then publish (or reload) again."
        )
    kind, value = reply
    log.info("Publishing process %d done in %.1f s", process.pid, time.monotonic() - started)
    if kind == "ok":
        return Path(value)
    if kind == "error" and isinstance(value, ClusterLDError):
        raise value
    raise PublishFailed(
        f"{root}: publishing failed ({value}); nothing was published and the current version "
        "is unchanged. The traceback is in the server's log."
    )


def _start() -> tuple[subprocess.Popen[bytes], Connection]:
    ours, theirs = socket.socketpair()
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    command = [*COMMAND, str(theirs.fileno()), f"--parent={os.getpid()}"]
    with theirs:
        try:  # stderr is the server's: progress on its terminal, log lines in its log
            process = subprocess.Popen(
                command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env
            )
        except OSError:
            ours.close()
            raise
    log.info("Publishing in process %d", process.pid)
    return process, Connection(ours.detach())


def _wait(
    process: subprocess.Popen[bytes], conn: Connection, deadline: float
) -> tuple[str, Any] | None:
    """The child's reply, or None if it died or the deadline passed (then it is killed)."""
    while time.monotonic() < deadline:
        try:
            if conn.poll(min(POLL_SECONDS, max(0.0, deadline - time.monotonic()))):
                reply: tuple[str, Any] = conn.recv()
                return reply
        except (EOFError, OSError):
            return None  # it died: its end of the pair closed with nothing sent
        if process.poll() is not None and not conn.poll(0):
            return None
    return None


def _reap(process: subprocess.Popen[bytes], *, at_once: bool) -> None:
    """Wait briefly for the child to exit (it does right after replying), else kill it;
    ``at_once``: it did not reply (out of time, or gone), so kill it without waiting."""
    if at_once and process.poll() is None:
        process.kill()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _picklable(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that can cross to the child (every setting can; Flask's extras may not)."""
    found = {}
    for key, value in settings.items():
        with contextlib.suppress(Exception):
            pickle.dumps(value)
            found[key] = value
    return found


def _log_formatter() -> logging.Formatter | None:
    """How the server formats its log lines (text or JSON), for the child to do the same
    (None, the default format, if it cannot cross: a test runner's formatter, say)."""
    for handler in logging.getLogger().handlers:
        if handler.formatter is not None:
            with contextlib.suppress(Exception):
                pickle.dumps(handler.formatter)
                return handler.formatter
    return None


def main(fd: int, parent: int | None) -> None:
    """The child: receive one job, publish, send the folder or the error back, exit."""
    conn = Connection(fd)
    if parent is not None:
        from clusterld.sparql.worker import exit_with_parent

        exit_with_parent(parent)
    job = conn.recv()
    handler = logging.StreamHandler()
    if job["formatter"] is not None:
        handler.setFormatter(job["formatter"])
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    reply = _publish(job)
    try:
        conn.send(reply)
    except Exception as error:  # noqa: BLE001  (an error with an attribute that cannot pickle)
        kind, value = reply
        conn.send(("failed", f"{type(value).__name__}: {value} (not sent back: {error})"))
    conn.close()
    logging.shutdown()
    sys.stderr.flush()
    os._exit(0)  # no interpreter teardown: the memory goes back to the system at once


def _publish(job: dict[str, Any]) -> tuple[str, Any]:
    from clusterld.publishing.publish import publish

    try:
        folder = publish(job["settings"], Path(job["root"]), make_current=job["make_current"])
    except ClusterLDError as error:
        error.__traceback__ = None
        return "error", error
    except Exception as error:  # noqa: BLE001  (a bug: logged here, reported as PublishFailed)
        log.exception("Publishing failed")
        return "failed", f"{type(error).__name__}: {error}"
    return "ok", str(folder)


def run() -> None:
    """The child's entry point: ``FD [--parent=PID]`` from the command line."""
    arguments = sys.argv[1:]
    parent = next((int(a.split("=", 1)[1]) for a in arguments if a.startswith("--parent=")), None)
    main(int(arguments[0]), parent)
