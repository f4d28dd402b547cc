"""The SPARQL 1.1 Protocol's query operation: reading a request, and choosing the answer's format.

Three request forms are accepted (Protocol §2.1): ``GET ?query=``, ``POST`` of an
``application/x-www-form-urlencoded`` form, and ``POST`` of the query itself as
``application/sparql-query`` (UTF-8 only).  Anything that is, or may be, an update is refused:
this endpoint is read-only.  Nothing here runs a query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pyoxigraph import NamedNode
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

from clusterld.errors import NotAcceptable, UnsupportedMediaType
from clusterld.formats import (
    CSV,
    HTML,
    JSON_LD,
    N_TRIPLES,
    RDF_FORMATS,
    RDF_XML,
    RESULT_FORMATS,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
    TURTLE,
    Format,
    negotiate,
)
from clusterld.namespaces import iri_problem, is_iri
from clusterld.sparql.errors import QueryError, QueryRefused, QueryTooLong

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
UPDATE_PARAMETERS = ("update", "using-graph-uri", "using-named-graph-uri")
PAGE_PARAMETERS = ("format", "lang")  # without a query: the description's format, UI language
READ_ONLY = (
    "This SPARQL endpoint is read-only: SPARQL Update operations "
    "(INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY) are never run."
)

FORMAT_PARAMETER: dict[str, dict[str, Format]] = {
    "tabular": {"json": SPARQL_JSON, "xml": SPARQL_XML, "csv": CSV, "tsv": TSV},
    "graph": {
        "turtle": TURTLE,
        "ttl": TURTLE,
        "json-ld": JSON_LD,
        "jsonld": JSON_LD,
        "json": JSON_LD,
        "n-triples": N_TRIPLES,
        "ntriples": N_TRIPLES,
        "nt": N_TRIPLES,
        "n3": TURTLE,
        "rdf-xml": RDF_XML,
        "rdf+xml": RDF_XML,
        "rdfxml": RDF_XML,
        "rdf": RDF_XML,
        "xml": RDF_XML,
    },
}


# Further media types answered for graph results: plain JSON gets JSON-LD, and N3 (which
# SPARQLWrapper and older clients ask for) gets Turtle, a subset of N3 they all read.
GRAPH_ALIASES: dict[str, Format] = {
    "application/json": JSON_LD,
    "text/n3": TURTLE,
    "text/rdf+n3": TURTLE,
    "application/rdf+n3": TURTLE,
}


@dataclass(frozen=True)
class Operation:
    """A query request as the protocol defines it, independent of how it was sent."""

    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    """The ``format`` parameters, for browsers that cannot set ``Accept``."""

    @property
    def names_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def read_operation(request: Request, *, max_length: int) -> Operation:
    """The query operation a request asks for (``query`` None: no query, describe the service).

    :raises QueryRefused: the request is, or carries, an update.
    :raises UnsupportedMediaType: a POST body in another media type or charset.
    :raises QueryTooLong: the query is longer than ``max_length`` characters.
    :raises QueryError: any other malformed request, such as an unknown ``format`` value.
    """
    params = _post_parameters(request, max_length) if request.method == "POST" else request.args
    if any(name in params for name in UPDATE_PARAMETERS):
        raise QueryRefused(READ_ONLY)
    queries = params.getlist("query")
    if len(queries) > 1:
        raise QueryError(f"Send exactly one 'query' parameter, not {len(queries)}.")
    query = queries[0] if queries else None
    if query is None:
        extra = sorted(name for name in params if name not in PAGE_PARAMETERS)
        if extra:
            raise QueryError(f"No 'query' parameter, but {', '.join(extra)}: nothing to run.")
    elif not query.strip():
        raise QueryError("The 'query' parameter is empty.")
    elif len(query) > max_length:
        raise QueryTooLong(
            f"The query has {len(query)} characters; this endpoint accepts at most {max_length}.",
            in_url=request.method != "POST",
        )
    return Operation(
        query,
        _graph_names(params, "default-graph-uri"),
        _graph_names(params, "named-graph-uri"),
        _format_parameters(params),
    )


def _post_parameters(request: Request, max_length: int) -> MultiDict[str, str]:
    """The parameters of a POST: form fields, or the URL's plus the query from the body."""
    mimetype = request.mimetype
    if mimetype == FORM:
        params: MultiDict[str, str] = MultiDict(request.args)
        for name, value in request.form.items(multi=True):
            params.add(name, value)
        return params
    if mimetype == UPDATE_BODY:
        raise QueryRefused(READ_ONLY)
    if mimetype != QUERY_BODY:
        raise UnsupportedMediaType(
            f"A POST must be sent as {FORM} (query=...) or as {QUERY_BODY} (the query itself); "
            f"this one is {mimetype or 'without a Content-Type'}."
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"{QUERY_BODY} must be UTF-8 (SPARQL 1.1 Protocol §2.1.3), not {charset}."
        )
    limit = 4 * max_length  # a UTF-8 character takes at most four bytes
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise QueryTooLong(f"The query is longer than {max_length} characters.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnsupportedMediaType(
            f"The query is not valid UTF-8: {error.reason} at byte {error.start}."
        ) from None
    if "query" in request.args:
        raise QueryError("A query was sent both in the URL and in the body; send one.")
    params = MultiDict(request.args)
    params.add("query", text)
    return params


def _graph_names(params: MultiDict[str, str], name: str) -> tuple[str, ...]:
    """The graph IRIs of a parameter, each checked here as strictly as the engine checks it.

    An IRI that only the engine refused used to fail inside the worker (500).
    """
    values = tuple(params.getlist(name))
    for value in values:
        problem = None if is_iri(value) else iri_problem(value)
        if problem is None:
            try:
                NamedNode(value)
            except ValueError as error:
                problem = str(error)
        if problem is not None:
            raise QueryError(f"{name} must be an absolute IRI, not {value!r}: {problem}.")
    return values


_MEDIA_TYPE = re.compile(r"[\w.+\-]+/[\w.+\-*]+(?:\s*;.*)?")


def format_names() -> list[str]:
    """The short values a ``format`` parameter may take (a media type is also accepted)."""
    names = {name for table in FORMAT_PARAMETER.values() for name in table}
    for fmt in (*RESULT_FORMATS, *RDF_FORMATS, HTML):
        names.update((fmt.name, fmt.suffix))
    return sorted(names)


def known_format_value(value: str) -> bool:
    """Whether a ``format`` value names a format: a short name, or media types.

    Media types are accepted, also ones that no answer is offered in, and comma-separated
    lists of them, because SPARQLWrapper sends the ``Accept`` header's types there; so is an
    empty value, which it sends in place of ``*/*``.
    """
    wanted = value.strip().lower()
    if not wanted or wanted in format_names() or wanted in GRAPH_ALIASES:
        return True
    return all(_MEDIA_TYPE.fullmatch(part.strip()) for part in wanted.split(","))


def _format_parameters(params: MultiDict[str, str]) -> tuple[str, ...]:
    values = tuple(params.getlist("format"))
    unknown = [value for value in values if not known_format_value(value)]
    if unknown:
        raise QueryError(
            f"Unknown format {unknown[0]!r}. The format parameter takes one of "
            f"{', '.join(format_names())}, or a media type."
        )
    return values


def answer_formats(form: str | None) -> tuple[Format, ...]:
    """The formats a query form can be answered in: results for SELECT/ASK, RDF otherwise."""
    return RDF_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else RESULT_FORMATS


def choose_format(
    form: str | None, *, accept: str | None, parameters: Sequence[str] = ()
) -> Format:
    """The answer's format: the first ``format`` parameter we know, else the ``Accept`` header.

    Without ``Accept`` (or with ``*/*``) SELECT and ASK get SPARQL results JSON and CONSTRUCT
    and DESCRIBE get Turtle.  ``format`` values that do not fit the query form are passed
    over, because some clients (SPARQLWrapper) send several, in other endpoints' dialects,
    beside ``Accept``; values that name no format at all were refused by :func:`read_operation`.

    :raises NotAcceptable: nothing offered matches (the detail lists what is).
    """
    offered = answer_formats(form)
    chosen = next(
        (f for f in (format_by_parameter(p, offered) for p in parameters) if f is not None), None
    )
    if chosen is None:
        aliases = {} if offered is RESULT_FORMATS else GRAPH_ALIASES
        chosen = negotiate(accept, offered, extra_aliases=aliases)
    if chosen is None:
        raise NotAcceptable(not_acceptable_detail(offered))
    return chosen


def format_by_parameter(value: str, offered: Sequence[Format]) -> Format | None:
    """The offered format a ``format`` parameter names: a short name or a media type."""
    wanted = value.strip().lower()
    table = FORMAT_PARAMETER["tabular" if offered is RESULT_FORMATS else "graph"]
    if wanted in table:
        return table[wanted]
    return next(
        (f for f in offered if wanted in (f.name, f.suffix, f.media_type, *f.aliases)), None
    )


def not_acceptable_detail(offered: Sequence[Format]) -> str:
    types = ", ".join(f.media_type for f in offered)
    return f"This answer is available as {types} (Accept header or format parameter)."
