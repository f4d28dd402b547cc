"""A remote SPARQL 1.1 store, seen through its endpoints: Query, Update, Graph Store.

Reads go through one pooled HTTP client (``urllib3``: kept-alive connections, a connect and
a read timeout on every request, no retries behind the caller's back), because a page costs
one or two queries and a new TCP connection for each would cost as much as the query.
Writes (publishing) go through the standard library's ``urllib.request``, each with its
credentials from the first byte (:class:`Credentials`: HTTP Basic, or Digest, which
Virtuoso's authenticated endpoints want, from a challenge asked for once): a server that
refuses a request without them may cut a large body before its challenge is read.

Credentials come from the environment only (``CLUSTERLD_STORE_USER``,
``CLUSTERLD_STORE_PASSWORD``): never from the command line, where every local user can read
them, and never in a log line or an error message.

Every failure is one of three :class:`~clusterld.errors.ClusterLDError` types, so a request
that reaches a store which is down or slow is answered ``503``/``504`` with advice, never a
traceback: :class:`StoreDown`, :class:`StoreTimeout`, :class:`StoreRefused`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox
import urllib3

from clusterld.errors import ClusterLDError

USER_VARIABLE = "CLUSTERLD_STORE_USER"
PASSWORD_VARIABLE = "CLUSTERLD_STORE_PASSWORD"
RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
N_TRIPLES = "application/n-triples"


class StoreDown(ClusterLDError):
    """The store cannot be reached (refused, reset, unknown host): try again shortly."""

    status = 503
    title = "Store unavailable"
    retry_after = 5


class StoreTimeout(ClusterLDError):
    """The store took longer than the configured timeout to answer."""

    status = 504
    title = "Store timed out"


class StoreRefused(ClusterLDError):
    """The store answered a request of ClusterLD's own with an error."""

    status = 502
    title = "Store error"

    def __init__(self, detail: str, *, store_status: int | None = None) -> None:
        super().__init__(detail)
        self.store_status = store_status
        """The HTTP status the store answered (400: it could not read the request)."""


class AnswerTooLarge(StoreRefused):
    """The store's answer is longer than the caller accepts; it was not read to the end."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"The store's answer is larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


def is_remote(location: object) -> bool:
    """Whether a ``STORE`` setting names a SPARQL endpoint (an http(s) URL), not a folder."""
    return isinstance(location, str) and location.startswith(("http://", "https://"))


def shown(url: str) -> str:
    """A URL for messages: any user information (``user:password@``) left out."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return parts._replace(netloc=host).geturl()


@dataclass(frozen=True)
class EndpointConfig:
    """Where a remote store answers and how ClusterLD talks to it (see the ``STORE_*``
    settings)."""

    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None
    user: str | None = None
    password: str | None = None
    timeout: float = 10.0
    connections: int = 10

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> EndpointConfig:
        environ = os.environ if environ is None else environ
        return cls(
            query_url=str(settings["STORE"]),
            update_url=settings.get("STORE_UPDATE_URL") or None,
            gsp_url=settings.get("STORE_GSP_URL") or None,
            user=environ.get(USER_VARIABLE) or None,
            password=environ.get(PASSWORD_VARIABLE) or None,
            timeout=float(settings.get("STORE_TIMEOUT") or 10),
            connections=int(settings.get("STORE_CONNECTIONS") or 10),
        )

    def __repr__(self) -> str:  # never show the password
        return f"EndpointConfig(query_url={shown(self.query_url)!r})"


class Endpoint:
    """A client of one remote store; thread-safe (its connection pool is)."""

    def __init__(self, config: EndpointConfig) -> None:
        self.config = config
        self.round_trips = 0
        """Requests sent to the query endpoint (the benchmark and tests count them)."""
        # Reads are anonymous: the credentials are for publishing, and a public server's
        # every read must not carry an account that may write.
        headers = {"User-Agent": "ClusterLD"}
        self._http = urllib3.PoolManager(
            num_pools=4,
            maxsize=config.connections,
            headers=headers,
            retries=False,
            timeout=urllib3.Timeout(connect=min(config.timeout, 5.0), read=config.timeout),
        )

    # -- reading -------------------------------------------------------------------------

    def query(
        self,
        query: str,
        *,
        accept: str,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> bytes:
        """The body of the store's answer to ``query`` in the media type ``accept``.

        ``timeout`` bounds the whole answer, not only each read (a store streaming a huge
        answer never pauses long); ``max_bytes`` stops reading a larger one
        (:class:`AnswerTooLarge`): the connection is closed, so the store stops sending.

        The dataset is given by the protocol's ``default-graph-uri`` and ``named-graph-uri``
        (SPARQL 1.1 Protocol §2.1.4), so a query sees exactly the graphs of one version.

        :raises StoreDown, StoreTimeout, StoreRefused: see the module docstring.
        """
        fields: list[tuple[str, str]] = [("query", query)]
        fields += [("default-graph-uri", graph) for graph in default_graphs]
        fields += [("named-graph-uri", graph) for graph in named_graphs]
        self.round_trips += 1
        return self._send(
            "POST",
            self.config.query_url,
            body=urlencode(fields).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
            timeout=timeout,
            max_bytes=max_bytes,
        )

    def select(self, query: str, **dataset: Any) -> list[tuple[Any, ...]]:
        """The rows of a ``SELECT`` answer as pyoxigraph terms (``None`` where unbound)."""
        body = self.query(query, accept=RESULTS_XML, **dataset)
        answer = parse_results(body, self.config.query_url)
        if not isinstance(answer, ox.QuerySolutions):
            raise StoreRefused(f"{shown(self.config.query_url)} answered a SELECT with a boolean")
        names = answer.variables
        try:  # the rows are read lazily: a malformed one fails here
            return [tuple(row[name] for name in names) for row in answer]
        except SyntaxError as error:
            raise unreadable(self.config.query_url, error) from None

    def ask(self, query: str, **dataset: Any) -> bool:
        body = self.query(query, accept=RESULTS_XML, **dataset)
        answer = ask_answer(parse_results(body, self.config.query_url))
        if answer is None:
            raise StoreRefused(f"{shown(self.config.query_url)} answered an ASK with rows")
        return answer

    def construct(self, query: str, **dataset: Any) -> list[ox.Triple]:
        """The triples of a ``CONSTRUCT`` answer (blank nodes as the store labelled them)."""
        body = self.query(query, accept=N_TRIPLES, **dataset)
        try:
            return [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as error:
            raise StoreRefused(
                f"{shown(self.config.query_url)} answered a CONSTRUCT with unreadable "
                f"N-Triples: {error}"
            ) from None

    def ping(self) -> None:
        """Ask the store the cheapest question there is: is it there and answering?

        :raises StoreDown, StoreTimeout, StoreRefused: it is not.
        """
        self.ask("ASK {}")

    # -- writing (publishing) ------------------------------------------------------------

    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 Update on the store's update endpoint (authenticated)."""
        url = self._need(self.config.update_url, "STORE_UPDATE_URL", "an update endpoint")
        body = urlencode({"update": update}).encode("utf-8")
        self._write("POST", url, body, "application/x-www-form-urlencoded")

    def load_graph(self, graph: str, ntriples: bytes, *, append: bool = False) -> None:
        """Replace (or add to) one named graph: through the Graph Store Protocol if the
        store has one (``STORE_GSP_URL``), else as a SPARQL Update (keep such bodies small:
        Virtuoso's compiler fails on a few thousand triples).  ``INSERT {…} WHERE {}``, not
        ``INSERT DATA``: Virtuoso refuses blank nodes in ``INSERT DATA``."""
        if self.config.gsp_url is not None:
            self.put_graph(graph, ntriples, append=append)
            return
        clear = "" if append else f"CLEAR SILENT GRAPH <{graph}> ;\n"
        self.update(f"{clear}INSERT {{ GRAPH <{graph}> {{\n{ntriples.decode()}}} }} WHERE {{}}")

    def put_graph(self, graph: str, ntriples: bytes, *, append: bool = False) -> None:
        """Replace (``PUT``) or add to (``POST``) one named graph through the Graph Store
        Protocol, with an N-Triples body."""
        url = self._need(self.config.gsp_url, "STORE_GSP_URL", "a Graph Store Protocol endpoint")
        target = f"{url}{'&' if '?' in url else '?'}{urlencode({'graph': graph})}"
        self._write("POST" if append else "PUT", target, ntriples, N_TRIPLES)

    def close(self) -> None:
        self._http.clear()

    def _need(self, url: str | None, setting: str, what: str) -> str:
        if url is None:
            raise StoreRefused(
                f"Publishing into {shown(self.config.query_url)} needs {what}: set {setting}"
            )
        return url

    def _send(
        self,
        method: str,
        url: str,
        *,
        body: bytes,
        headers: Mapping[str, str],
        timeout: float | None,
        max_bytes: int | None = None,
    ) -> bytes:
        seconds = timeout if timeout is not None else self.config.timeout
        deadline = time.monotonic() + seconds
        try:
            response = self._http.request(
                method,
                url,
                body=body,
                headers=dict(headers),
                preload_content=False,
                timeout=urllib3.Timeout(connect=min(seconds, 5.0), read=seconds),
            )
            try:
                data = self._read(response, deadline, max_bytes)
            except BaseException:
                response.close()  # not back to the pool: the store is still sending
                raise
            response.release_conn()
        except urllib3.exceptions.NewConnectionError as error:  # refused: the store is down
            raise StoreDown(self._down_message(error)) from None
        except (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ConnectTimeoutError):
            raise StoreTimeout(self._timeout_message(timeout)) from None
        except urllib3.exceptions.HTTPError as error:
            raise StoreDown(self._down_message(error)) from None
        if response.status >= 400:
            raise refusal(url, response.status, data)
        return data

    def _read(
        self, response: urllib3.BaseHTTPResponse, deadline: float, max_bytes: int | None
    ) -> bytes:
        parts: list[bytes] = []
        size = 0
        for part in response.stream(1 << 16):
            size += len(part)
            if max_bytes is not None and size > max_bytes:
                raise AnswerTooLarge(max_bytes)
            if time.monotonic() > deadline:
                raise StoreTimeout(self._timeout_message(None))
            parts.append(part)
        return b"".join(parts)

    def _write(self, method: str, url: str, body: bytes, content_type: str) -> None:
        """Send one write with its credentials from the first byte.

        A server that wants credentials may answer ``401`` as soon as it has read the
        headers and close the connection: a body larger than the socket's buffers is then
        cut ("Connection reset", "Broken pipe") and the challenge is never read (Virtuoso
        does so, and a publish of a million triples failed).  So the challenge is asked
        for first, by a ``GET`` of the endpoint's path without a body, and each write is
        answered up front (:class:`Credentials`); a stale nonce costs one more send.
        """
        # The writes of a publish may be large: a generous timeout, never an endless one.
        timeout = max(self.config.timeout, 600.0)
        headers = {"Content-Type": content_type, "User-Agent": "ClusterLD"}
        opener = urllib.request.build_opener()
        for attempt in range(2):
            authorization = self._credentials.header(method, url, timeout, fresh=attempt > 0)
            if authorization is not None:
                headers["Authorization"] = authorization
            request = urllib.request.Request(url, data=body, method=method, headers=headers)
            try:
                with opener.open(request, timeout=timeout) as response:
                    response.read()
                return
            except urllib.error.HTTPError as error:
                if error.code == 401 and attempt == 0 and self.config.user is not None:
                    continue  # a stale nonce, or no challenge known: ask again
                raise refusal(url, error.code, error.read()) from None
            except TimeoutError:
                raise StoreTimeout(self._timeout_message(timeout)) from None
            except (urllib.error.URLError, OSError) as error:
                raise StoreDown(self._down_message(error)) from None

    @cached_property
    def _credentials(self) -> Credentials:
        return Credentials(self.config.user, self.config.password, self._down_message)

    def _timeout_message(self, timeout: float | None) -> str:
        seconds = timeout if timeout is not None else self.config.timeout
        return (
            f"The store at {shown(self.config.query_url)} did not answer within {seconds:g} "
            "seconds (STORE_TIMEOUT). It may be overloaded; try again shortly."
        )

    def _down_message(self, error: object) -> str:
        reason = getattr(error, "reason", None) or error
        return (
            f"The store at {shown(self.config.query_url)} cannot be reached ({reason}). "
            "It may be restarting; try again shortly."
        )


class Credentials:
    """The ``Authorization`` of writes, computed before sending: HTTP Basic, or Digest
    (RFC 7616, MD5, ``qop=auth``) from a challenge asked for once per endpoint path."""

    def __init__(
        self, user: str | None, password: str | None, down: Callable[[object], str]
    ) -> None:
        self._user, self._password, self._down = user, password, down
        self._challenges: dict[str, dict[str, str] | None] = {}
        self._count = 0
        self._lock = threading.Lock()

    def header(self, method: str, url: str, timeout: float, *, fresh: bool) -> str | None:
        """The header for one request (``None``: no credentials, or none asked for)."""
        if self._user is None:
            return None
        parts = urlsplit(url)
        with self._lock:
            if fresh or parts.path not in self._challenges:
                self._challenges[parts.path] = self._challenge(url, timeout)
            challenge = self._challenges[parts.path]
            self._count += 1
            count = self._count
        if challenge is None:
            return None
        if challenge.get("scheme") != "digest":
            token = f"{self._user}:{self._password or ''}".encode()
            return "Basic " + base64.b64encode(token).decode("ascii")
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        return digest_header(challenge, method, uri, self._user, self._password or "", count)

    def _challenge(self, url: str, timeout: float) -> dict[str, str] | None:
        """What the endpoint asks for: a ``GET`` of its path, without a body or query."""
        parts = urlsplit(url)
        probe = urllib.request.Request(
            f"{parts.scheme}://{parts.netloc}{parts.path}", headers={"User-Agent": "ClusterLD"}
        )
        try:
            with urllib.request.build_opener().open(probe, timeout=min(timeout, 30.0)):
                return None  # it asks for nothing on a read: send none up front
        except urllib.error.HTTPError as error:
            asked = error.headers.get("WWW-Authenticate", "") if error.code == 401 else ""
        except (urllib.error.URLError, OSError) as error:
            raise StoreDown(self._down(error)) from None
        scheme, _, rest = asked.partition(" ")
        if scheme.lower() != "digest":
            return {"scheme": "basic"} if scheme.lower() == "basic" else None
        fields = {
            name: quoted or bare
            for name, quoted, bare in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]*))', rest)
        }
        return {**fields, "scheme": "digest"}


def digest_header(
    challenge: Mapping[str, str], method: str, uri: str, user: str, password: str, count: int
) -> str:
    """An RFC 7616 ``Digest`` answer to ``challenge`` (MD5; ``qop=auth`` when offered)."""

    def md5(text: str) -> str:
        return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 (the protocol's)

    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    ha1, ha2 = md5(f"{user}:{realm}:{password}"), md5(f"{method}:{uri}")
    fields = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
    if "auth" in [q.strip() for q in challenge.get("qop", "").split(",")]:
        cnonce, nc = secrets.token_hex(8), f"{count:08x}"
        answer = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        fields += [f'response="{answer}"', f'cnonce="{cnonce}"', "qop=auth", f"nc={nc}"]
    else:
        fields.append(f'response="{md5(f"{ha1}:{nonce}:{ha2}")}"')
    if "opaque" in challenge:
        fields.append(f'opaque="{challenge["opaque"]}"')
    fields.append("algorithm=MD5")
    return "Digest " + ", ".join(fields)


def refusal(url: str, status: int, body: bytes) -> ClusterLDError:
    """The error for a store's HTTP error answer (its own text, shortened, as the reason)."""
    text = " ".join(body.decode("utf-8", "replace").split())[:500]
    if status in (502, 503, 504):
        return StoreDown(
            f"The store at {shown(url)} answered {status} ({text or 'no reason given'}); "
            "try again shortly."
        )
    if status in (401, 403):
        return StoreRefused(
            f"The store at {shown(url)} refused ClusterLD's credentials ({status}): set "
            f"{USER_VARIABLE} and {PASSWORD_VARIABLE} to an account allowed to do this."
        )
    return StoreRefused(f"The store at {shown(url)} answered {status}: {text}", store_status=status)


def parse_results(body: bytes, url: str) -> ox.QuerySolutions | ox.QueryBoolean:
    """SPARQL XML results, read by Oxigraph (lazily: rows are parsed as they are taken)."""
    try:
        return ox.parse_query_results(standard_results(body), format=ox.QueryResultsFormat.XML)
    except SyntaxError as error:
        raise unreadable(url, error) from None


def standard_results(body: bytes) -> bytes:
    """Virtuoso writes blank nodes as ``<bnode>nodeID://b1</bnode>``, which is not a blank
    node label; the label is what follows the ``nodeID://``."""
    return body.replace(b"<bnode>nodeID://", b"<bnode>")


def unreadable(url: str, error: SyntaxError) -> StoreRefused:
    return StoreRefused(f"{shown(url)} answered with unreadable SPARQL results: {error}")


VIRTUOSO_ASK = "__ASK_RETVAL"
"""Virtuoso 7 answers ``ASK`` as a ``SELECT`` of this variable: one row ``1`` for true,
no row for false."""


def ask_answer(answer: ox.QuerySolutions | ox.QueryBoolean) -> bool | None:
    """The boolean of an ``ASK`` answer, in the standard form or Virtuoso's; ``None`` if
    ``answer`` is the rows of a real ``SELECT``."""
    if isinstance(answer, ox.QueryBoolean):
        return bool(answer)
    if [v.value for v in answer.variables] != [VIRTUOSO_ASK]:
        return None
    return any(row[0] is not None and row[0].value not in ("0", "false") for row in answer)


def chunks(lines: Iterator[bytes], size: int) -> Iterator[bytes]:
    """N-Triples lines joined into bodies of about ``size`` bytes, cut only between lines."""
    buffer: list[bytes] = []
    length = 0
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield b"".join(buffer)
