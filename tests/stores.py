"""Real SPARQL 1.1 stores on 127.0.0.1 for tests and benchmarks: the Oxigraph server, Virtuoso.

ClusterLD can serve and publish over a remote store (issue 12); these launchers run the real
servers, never mocks, each in a data folder of its own on free loopback ports, so that tests
and ``benchmarks/store_load.py`` talk to them exactly as ClusterLD would:

    store = start_virtuoso(Path("/tmp/v"))        # or start_oxigraph(...)
    store.request("PUT", store.graph_url(iri), body=b"...", headers={...})
    store.stop(); store.start()                   # same port, same folder, same data

Every wait is bounded and fails with the tail of the store's log; every process started here
is stopped at interpreter exit (``atexit``) if nobody stopped it before. Nothing here imports
``clusterld``: it is a test harness, not part of the package.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import http.client
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

# Fixed test credentials: the servers listen on 127.0.0.1 only and live as long as a test run.
# ClusterLD reads its own from CLUSTERLD_STORE_USER / CLUSTERLD_STORE_PASSWORD.
USER = "clusterld"
PASSWORD = "clusterld-test-password"
DBA_PASSWORD = "clusterld-test-dba"  # Virtuoso's administrator, for isql (bulk loading)

START_TIMEOUT = 120.0  # seconds; Virtuoso's first start (a new database) takes about 5 s
STOP_TIMEOUT = 60.0  # a graceful stop may checkpoint first
HTTP_TIMEOUT = 600.0  # one request; a bulk upload of a large graph may take minutes

Auth = Literal["basic", "digest", "none"]


class StoreUnavailable(RuntimeError):
    """The store's program is not installed (tests skip outside CI, fail in CI)."""


class StoreError(RuntimeError):
    """The store did not start, stop or answer in time; the message ends with its log's tail."""


@dataclass(frozen=True)
class Response:
    """An HTTP answer, read whole: status, headers (names lower-cased) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass(eq=False)  # compared and hashed by identity: a live process, kept in _RUNNING
class RunningStore:
    """A store server in its own folder and port; ``stop``/``start`` keep both."""

    kind: str  # "oxigraph" | "virtuoso"
    query_url: str  # SPARQL 1.1 Query, anonymous
    update_url: str  # SPARQL 1.1 Update (Virtuoso: digest auth)
    gsp_url: str  # SPARQL 1.1 Graph Store HTTP Protocol, ?graph=<iri> (Virtuoso: digest auth)
    user: str | None
    password: str | None
    auth: Auth
    folder: Path
    port: int  # the HTTP port
    command: list[str] = field(repr=False)
    log: Path = field(repr=False)
    isql_port: int | None = field(default=None, repr=False)
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _challenges: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _nonce_count: int = field(default=0, repr=False)

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the server (again) on the same port and folder; return once it answers ASK."""
        if self._process is not None and self._process.poll() is None:
            return
        self._challenges.clear()
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                self.command,
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C of the test run is not sent to it
            )
        _RUNNING.add(self)
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if self._process.poll() is not None:
                raise StoreError(
                    f"{self.kind} exited with {self._process.returncode}{self._tail()}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise StoreError(
                    f"{self.kind} did not answer in {START_TIMEOUT:.0f} s{self._tail()}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop gracefully and wait until the port is closed.

        Virtuoso is asked through isql to ``shutdown`` (a checkpoint, then exit): its SIGTERM
        is a "quick shutdown" without checkpoint, which loses what the bulk loader wrote
        (it runs with the transaction log off). Oxigraph gets SIGTERM (RocksDB's log is on).
        """
        process = self._process
        if self.isql_port is not None and process is not None and process.poll() is None:
            # the connection drops as the server exits; SIGTERM below if it did not exit
            with contextlib.suppress(StoreError, subprocess.TimeoutExpired):
                _isql(self.isql_port, DBA_PASSWORD, "shutdown;", STOP_TIMEOUT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_TIMEOUT)
        self._end(signal.SIGTERM, STOP_TIMEOUT)

    def kill(self) -> None:
        """Stop at once (SIGKILL), as a crash would: the next start must recover."""
        self._end(signal.SIGKILL, STOP_TIMEOUT)

    def _end(self, sig: signal.Signals, timeout: float) -> None:
        process, self._process = self._process, None
        _RUNNING.discard(self)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            message = f"{self.kind} ignored {sig.name} for {timeout:.0f} s{self._tail()}"
            raise StoreError(message) from None
        _wait_closed(self.port, timeout)

    def _answers(self) -> bool:
        try:
            return self.query("ASK {}", accept="application/sparql-results+json").status == 200
        except OSError:
            return False

    def _tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return f"\n--- last lines of {self.log} ---\n" + "\n".join(text)

    # -- HTTP -------------------------------------------------------------------------------

    def graph_url(self, graph: str | None) -> str:
        """The Graph Store Protocol URL of a named graph (``None``: the default graph)."""
        param = "default" if graph is None else "graph=" + urllib.parse.quote(graph, safe="")
        return f"{self.gsp_url}?{param}"

    def query(
        self,
        query: str,
        *,
        accept: str = "application/sparql-results+json",
        params: Sequence[tuple[str, str]] = (),
    ) -> Response:
        """POST a query form-encoded, anonymously; ``params`` are further protocol parameters,
        repeatable (``[("default-graph-uri", a), ("default-graph-uri", b)]``)."""
        form = urllib.parse.urlencode([("query", query), *params]).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        return self.request("POST", self.query_url, body=form, headers=headers, auth=False)

    def update(self, update: str, *, auth: bool = True) -> Response:
        """POST a SPARQL Update (``application/sparql-update``), authenticated by default."""
        headers = {"Content-Type": "application/sparql-update; charset=utf-8"}
        return self.request(
            "POST", self.update_url, body=update.encode(), headers=headers, auth=auth
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | Path | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        timeout: float = HTTP_TIMEOUT,
    ) -> Response:
        """Send one request; with ``auth``, authenticated the store's way.

        Digest authentication is done here, not by urllib's handler, so that a large body is
        sent once: the challenge is fetched first with a GET (which changes nothing) and
        answered up front; only a stale nonce costs a second send.
        """
        send = dict(headers or {})
        if not (auth and self.user and self.password) or self.auth == "none":
            return _send(method, url, body, send, timeout)
        if self.auth == "basic":
            send["Authorization"] = _basic(self.user, self.password)
            return _send(method, url, body, send, timeout)
        for _ in range(2):
            send["Authorization"] = self._digest(method, url, timeout)
            response = _send(method, url, body, send, timeout)
            if response.status != 401:
                return response
            self._challenges.pop(urllib.parse.urlsplit(url).path, None)
        return response

    def _digest(self, method: str, url: str, timeout: float) -> str:
        parts = urllib.parse.urlsplit(url)
        challenge = self._challenges.get(parts.path)
        if challenge is None:
            probe = _send("GET", f"{parts.scheme}://{parts.netloc}{parts.path}", None, {}, timeout)
            header = probe.headers.get("www-authenticate", "")
            if not header.lower().startswith("digest "):
                raise StoreError(f"{url} gave no digest challenge: {probe.status} {header!r}")
            challenge = dict(re.findall(r'(\w+)="?([^",]*)"?', header[7:]))
            self._challenges[parts.path] = challenge
        assert self.user is not None and self.password is not None
        self._nonce_count += 1
        return _digest_header(
            challenge, method, parts.path + (f"?{parts.query}" if parts.query else ""),
            self.user, self.password, self._nonce_count,
        )  # fmt: skip

    # -- Virtuoso administration ----------------------------------------------------------

    def isql(self, sql: str, *, timeout: float = HTTP_TIMEOUT) -> str:
        """Run SQL as Virtuoso's ``dba`` through ``isql-vt`` (the bulk loader is SQL)."""
        if self.isql_port is None:
            raise StoreError(f"{self.kind} has no isql")
        return _isql(self.isql_port, DBA_PASSWORD, sql, timeout)


_RUNNING: set[RunningStore] = set()


@atexit.register
def _stop_all() -> None:
    """Whatever a crashed test or benchmark left running dies with the interpreter."""
    for store in list(_RUNNING):
        store.kill()


# -- Oxigraph --------------------------------------------------------------------------------


def oxigraph_binary() -> str:
    """The ``oxigraph`` CLI beside this Python (the PyPI package ``oxigraph``), else on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        raise StoreUnavailable(
            "the Oxigraph server is not installed (pip install 'oxigraph>=0.5,<0.6')"
        )
    return found


def start_oxigraph(folder: Path, port: int | None = None) -> RunningStore:
    """Start ``oxigraph serve`` on a RocksDB store in ``folder/db``.

    The default graph is the store's own default graph (no ``--union-default-graph``), as
    SPARQL 1.1 says and as ClusterLD's own engine does: a query sees named graphs only through
    ``GRAPH``, ``FROM`` or ``default-graph-uri``. No authentication exists: anyone who reaches
    the port can update, so it must stay on loopback or behind a proxy that refuses writes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    command = [oxigraph_binary(), "serve", "--location", str(folder / "db"),
               "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    store = RunningStore(
        kind="oxigraph", query_url=f"{base}/query", update_url=f"{base}/update",
        gsp_url=f"{base}/store", user=None, password=None, auth="none", folder=folder,
        port=port, command=command, log=folder / "oxigraph.log",
    )  # fmt: skip
    store.start()
    return store


# -- Virtuoso ------------------------------------------------------------------------------

VIRTUOSO_BINARY = "virtuoso-t"
ISQL_BINARY = "isql-vt"  # Debian's name for Virtuoso's isql (unixODBC has its own isql)
_INITIALISED = "clusterld-initialised"


def virtuoso_binaries() -> tuple[str, str]:
    """``virtuoso-t`` and ``isql-vt``, from Debian's ``virtuoso-opensource-7-bin``."""
    server, isql = shutil.which(VIRTUOSO_BINARY), shutil.which(ISQL_BINARY)
    if server is None or isql is None:
        raise StoreUnavailable(
            "Virtuoso is not installed (Debian: apt-get install virtuoso-opensource-7-bin)"
        )
    return server, isql


def start_virtuoso(folder: Path, port: int | None = None) -> RunningStore:
    """Start ``virtuoso-t`` in the foreground with a ``virtuoso.ini`` of its own in ``folder``.

    At the first start (a new database) it sets ``dba``'s password and creates the user
    ``clusterld`` with only the role ``SPARQL_UPDATE`` (which includes ``SPARQL_SELECT``): that
    user writes through ``/sparql-auth`` and ``/sparql-graph-crud-auth`` with HTTP digest
    authentication; anonymous ``/sparql`` may only read.
    """
    server, _ = virtuoso_binaries()
    folder.mkdir(parents=True, exist_ok=True)
    ini = folder / "virtuoso.ini"
    if ini.exists():  # a restart keeps its ports (they are in the database's own settings too)
        port = int(_ini_value(ini, "HTTPServer", "ServerPort").rsplit(":", 1)[1])
        isql_port = int(_ini_value(ini, "Parameters", "ServerPort").rsplit(":", 1)[1])
    else:
        port, isql_port = port or free_port(), free_port()
        (folder / "www").mkdir(exist_ok=True)
        (folder / "load").mkdir(exist_ok=True)
        ini.write_text(virtuoso_ini(folder, http_port=port, isql_port=isql_port))
    base = f"http://127.0.0.1:{port}"
    store = RunningStore(
        kind="virtuoso", query_url=f"{base}/sparql", update_url=f"{base}/sparql-auth",
        gsp_url=f"{base}/sparql-graph-crud-auth", user=USER, password=PASSWORD, auth="digest",
        folder=folder, port=port, isql_port=isql_port, log=folder / "virtuoso.log.out",
        command=[server, "+foreground", "+configfile", str(ini)],
    )  # fmt: skip
    store.start()
    if not (folder / _INITIALISED).exists():
        _isql(isql_port, "dba", f"USER_SET_PASSWORD('dba', '{DBA_PASSWORD}');", START_TIMEOUT)
        store.isql(
            f"DB.DBA.USER_CREATE('{USER}', '{PASSWORD}');\n"
            f'GRANT SPARQL_UPDATE TO "{USER}";\n'
            "checkpoint;"
        )
        (folder / _INITIALISED).write_text("dba password set, user created\n")
    return store


def virtuoso_ini(folder: Path, *, http_port: int, isql_port: int) -> str:
    """A ``virtuoso.ini`` for a shared 2-core machine; each line says why it is not default."""
    return f"""\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
; isql (and ODBC) on loopback only; no Unix socket in /tmp shared with other instances
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
ServerThreads = 10
CheckpointInterval = 60
; 8 KiB pages: about 1 GB of buffers (Virtuoso's table for 2 GB of RAM is 170000/130000)
NumberOfBuffers = 120000
MaxDirtyBuffers = 90000
MaxQueryMem = 1G
; the bulk loader (ld_dir) reads only from these folders
DirsAllowed = ., {folder}/load
; a GSP PUT or INSERT DATA of a large graph is one transaction: its log may be big
; (a 32-bit number: 4000000000 wraps and every large load fails with SR325)
TransactionAfterImageLimit = 2000000000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
; static files would be served from here: an empty folder, not the data folder
ServerRoot = {folder}/www
MaxClientConnections = 8
ServerThreads = 8
EnabledDavVSP = 0
KeepAliveTimeout = 10

[SPARQL]
; the default (10000) cuts answers silently; never cut them
ResultSetMaxRows = 2147483647
MaxSortedTopRows = 2147483647
MaxConstructTriples = 2147483647
; seconds; over it a query fails instead of answering (0 would mean no limit)
MaxQueryExecutionTime = 300
MaxQueryCostEstimationTime = 0
"""


def _ini_value(ini: Path, section: str, key: str) -> str:
    current = ""
    for line in ini.read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and line.split("=", 1)[0].strip() == key:
            return line.split("=", 1)[1].strip()
    raise StoreError(f"{ini} has no {key} in [{section}]")


def _isql(port: int, password: str, sql: str, timeout: float) -> str:
    """Run SQL statements with ``isql-vt``; fail on any error it reports."""
    _, isql = virtuoso_binaries()
    done = subprocess.run(
        [isql, f"127.0.0.1:{port}", "dba", password, "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF",
         "ERRORS=STDOUT"],
        input=sql.encode(), capture_output=True, timeout=timeout, check=False,
    )  # fmt: skip
    output = (done.stdout + done.stderr).decode(errors="replace")
    if done.returncode != 0 or "*** Error" in output:
        raise StoreError(f"isql failed ({done.returncode}) on {sql!r}:\n{output}")
    return output


# -- HTTP and ports ------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the kernel's choice, so never one in use)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_closed(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.05)
    raise StoreError(f"port {port} still open {timeout:.0f} s after the store stopped")


def _send(
    method: str, url: str, body: bytes | Path | None, headers: dict[str, str], timeout: float
) -> Response:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        if isinstance(body, Path):
            with body.open("rb") as stream:
                headers = {**headers, "Content-Length": str(body.stat().st_size)}
                connection.request(method, target, body=stream, headers=headers)
        else:
            connection.request(method, target, body=body, headers=headers)
        answer = connection.getresponse()
        return Response(
            answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
        )
    finally:
        connection.close()


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _digest_header(
    challenge: Mapping[str, str], method: str, uri: str, user: str, password: str, count: int
) -> str:
    """RFC 7616 digest (MD5, qop=auth), as Virtuoso asks."""

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (the protocol's own hash)

    realm, nonce = challenge["realm"], challenge["nonce"]
    cnonce, nc = secrets.token_hex(8), f"{count:08x}"
    ha1, ha2 = md5(f"{user}:{realm}:{password}"), md5(f"{method}:{uri}")
    answer = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
    fields = {
        "username": user,
        "realm": realm,
        "nonce": nonce,
        "uri": uri,
        "response": answer,
        "opaque": challenge.get("opaque", ""),
        "cnonce": cnonce,
    }
    quoted = ", ".join(f'{name}="{value}"' for name, value in fields.items())
    return f"Digest {quoted}, qop=auth, nc={nc}, algorithm=MD5"


NT_TYPE: Mapping[str, str] = {"Content-Type": "application/n-triples"}  # a GSP body's header
