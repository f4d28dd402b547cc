"""Running one query on pyoxigraph: the jobs, the dataset snapshot, and what comes back.

Everything here is plain data that crosses a process boundary (pickled through a pipe) or
code that runs inside a worker process; nothing imports Flask.  A :class:`Snapshot` holds the
graphs of one store version as N-Triples, ready to load into a worker's pyoxigraph store,
each graph in its own named graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, RdfFormat, Store

from clusterld.sparql.results import (
    DEFAULT_MAX_BYTES,
    AnswerTooLarge,
    Rendered,
    render_boolean,
    render_solutions,
    render_triples,
)


@dataclass(frozen=True)
class Snapshot:
    """The graphs of one version of the dataset, as N-Triples, by graph name."""

    version: str
    graphs: tuple[tuple[str, bytes], ...]
    path: str | None = None
    """A published store to open read-only instead of ``graphs`` (its default graph already
    holds the RDF merge of its named graphs)."""


@dataclass(frozen=True)
class QueryJob:
    """One query to run, and how to answer it."""

    query: str
    form: str
    media_type: str
    max_rows: int
    base_iri: str
    prefixes: tuple[tuple[str, str], ...] = ()
    default_graphs: tuple[str, ...] | None = None
    """Graph names from ``default-graph-uri``; None when the protocol names no dataset."""
    named_graphs: tuple[str, ...] | None = None
    """Graph names from ``named-graph-uri``; None when the protocol names no dataset."""
    union_default_graph: bool = True
    """Informative: the store's default graph is the merge of all graphs (see :func:`load`);
    a dataset named by the protocol or the query's FROM replaces it."""
    max_bytes: int = DEFAULT_MAX_BYTES
    """Largest serialised answer; a larger one is refused (``QueryProblem`` ``too_large``)."""
    check_only: bool = False
    """Only parse the query (it runs on an empty store; the answer is empty): whether a
    request that no format fits is malformed (400) or merely not acceptable (406)."""


@dataclass(frozen=True)
class QueryProblem:
    """Why a query produced no answer: ``syntax`` (the client's fault), ``evaluation``, or
    ``too_large`` (the answer is over the job's ``max_bytes``)."""

    kind: str
    message: str
    line: int | None = None
    column: int | None = None


def load(snapshot: Snapshot) -> Store:
    """The store queries run on: a published version opened read-only (``snapshot.path``),
    or a new in-memory store holding ``snapshot.graphs``, each a named graph, and their RDF
    merge as the default graph.

    The merge is materialised (publishing writes it too) because pyoxigraph's
    ``use_default_graph_as_union`` yields a triple once per graph that holds it, while the
    SPARQL default graph is a set: a triple in two parts (the dataset's description is in
    the data and in the metadata) counts once.  A union of the named graphs given at query
    time would also answer 3 to 6 times slower than one graph (measured at 100k triples).
    """
    if snapshot.path is not None:
        return Store.read_only(snapshot.path)
    store = Store()
    for name, ntriples in snapshot.graphs:
        store.load(ntriples, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(name))
    # Copied inside the store so that blank nodes stay the same nodes in both places.
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def execute(store: Store, job: QueryJob) -> Rendered | QueryProblem:
    """Run ``job`` on ``store`` and serialise the answer; syntax errors come back located."""
    options: dict[str, object] = {"base_iri": job.base_iri}
    try:
        if job.default_graphs is not None or job.named_graphs is not None:
            # The protocol's dataset replaces the query's own FROM / FROM NAMED (Protocol
            # §2.1.4); a part that the request does not name is empty.
            options["default_graph"] = [NamedNode(g) for g in job.default_graphs or ()]
            options["named_graphs"] = [NamedNode(g) for g in job.named_graphs or ()]
    except ValueError as error:  # the server checks them first; this keeps the worker alive
        return QueryProblem("syntax", f"A graph named by the request is not an IRI: {error}")
    try:
        if job.check_only:
            Store().query(job.query, **options)  # type: ignore[arg-type]
            return Rendered(b"", None, False)
        answer = store.query(job.query, **options)  # type: ignore[arg-type]
        if isinstance(answer, QueryBoolean):
            return render_boolean(bool(answer), job.media_type)
        if isinstance(answer, QuerySolutions):
            return render_solutions(answer, job.media_type, job.max_rows, job.max_bytes)
        return render_triples(
            answer, job.media_type, job.max_rows, dict(job.prefixes), job.max_bytes
        )
    except AnswerTooLarge as error:
        return QueryProblem("too_large", str(error))
    except SyntaxError as error:
        return syntax_problem(job.query, str(error))
    except (OSError, ValueError, RuntimeError) as error:
        return QueryProblem("evaluation", str(error))


_LOCATION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_CHARACTER_CLASS = re.compile(r"\[[^\[\]]*\.\.=[^\[\]]*\]")


def syntax_problem(query: str, message: str) -> QueryProblem:
    """A parser message made readable: line, column, the line itself and a caret under it."""
    match = _LOCATION.match(message)
    if not match:
        return QueryProblem("syntax", f"Syntax error: {message}")
    line, column = int(match.group(1)), int(match.group(2))
    expected = " ".join(_CHARACTER_CLASS.sub("…", match.group(3)).split())
    if len(expected) > 300:
        expected = expected[:300] + " …"
    lines = query.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    detail = (
        f"Syntax error at line {line}, column {column}: {expected}\n"
        f"  {text}\n  {' ' * (column - 1)}^"
    )
    return QueryProblem("syntax", detail, line, column)
