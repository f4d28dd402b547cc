"""Queries over a remote store: checked here, run there, answered as if run here.

ClusterLD does not trust the remote store's own settings to enforce its limits, so a query
reaches the store only after everything the embedded engine would refuse was refused
(updates, ``SERVICE``, depth, length, and the store's own extension functions, such as
Virtuoso's ``bif:http_get``: :class:`~clusterld.sparql.service.SparqlService`).  A query the
store cannot read is parsed in a worker process, so that its syntax error is located by line
and column exactly as with the embedded store.  The store answers in SPARQL XML results or
N-Triples, read for at most ``SPARQL_TIMEOUT`` seconds in all and a bounded number of bytes,
then written out by :mod:`clusterld.sparql.results` in the format the client negotiated, cut
at ``SPARQL_MAX_ROWS`` and refused over ``SPARQL_MAX_BYTES``: the same bytes as the embedded
store gives for the same answer.

The dataset a query sees is one version: its four parts, by the names a client knows
(``{base}graph/data`` ...), which are mapped to the version's graphs in the store on the way
in and back on the way out.  The dataset is always sent with the query (the protocol's
dataset replaces the query's own ``FROM``), so a graph the version does not have is an empty
one, as in the embedded store, never a graph of another deployment that shares the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pyoxigraph as ox
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from clusterld.dataset.endpoint import (
    N_TRIPLES,
    RESULTS_XML,
    AnswerTooLarge,
    StoreRefused,
    ask_answer,
    standard_results,
)
from clusterld.dataset.remote import RemoteStore
from clusterld.sparql.engine import QueryJob, QueryProblem
from clusterld.sparql.errors import QueryRefused
from clusterld.sparql.results import AnswerTooLarge as ResultsTooLarge
from clusterld.sparql.results import (
    Rendered,
    render_boolean,
    render_solutions,
    render_triples,
)
from clusterld.sparql.syntax import replace_iris, without_dataset

ANSWER_OVERHEAD = 4
"""How much larger the store's answer (SPARQL XML, N-Triples) may be than the answer sent."""
EMPTY_GRAPH = "urn:x-clusterld:empty"
"""What a graph name the version does not have is mapped to: a graph nobody writes."""


Check = Callable[[QueryJob], "Rendered | QueryProblem"]
"""Parses a job's query where it cannot cost more than a query may (a worker process)."""


def run_remote(
    store: RemoteStore, job: QueryJob, timeout: float, check: Check
) -> Rendered | QueryProblem:
    """Run ``job`` on the remote version ``store`` and serialise the answer.

    The store reads the query first; only when it refuses it is the query parsed here (in
    a worker, by ``check``), for a syntax error located as the embedded engine locates it.

    :raises StoreDown, StoreTimeout, StoreRefused: the store did not answer.
    :raises QueryRefused: the query names its own dataset in a way that cannot be read.
    """
    if job.check_only:
        return check(job)
    inward = {public: remote for remote, public in store.public_names().items()}
    outward = {remote: public for public, remote in inward.items()}
    # Relative IRIs resolve against this endpoint, not the store's (a later BASE wins).
    text = without_dataset(job.query) if not job.union_default_graph else job.query
    query = f"BASE <{job.base_iri}>\n{rename_graphs(text, inward, job.base_iri)}"
    graph_form = job.form in ("CONSTRUCT", "DESCRIBE")
    try:
        body = store.endpoint.query(
            query,
            accept=N_TRIPLES if graph_form else RESULTS_XML,
            timeout=timeout,
            # Read no more than could be written within the limit (XML takes more room).
            max_bytes=job.max_bytes * ANSWER_OVERHEAD,
            **remote_dataset(store, job),
        )
    except AnswerTooLarge:
        return QueryProblem("too_large", f"the answer is larger than {job.max_bytes} bytes")
    except StoreRefused as error:
        if error.store_status == 400:
            problem = check(job)
            if isinstance(problem, QueryProblem):
                return problem
        raise
    try:
        if graph_form:
            triples = (
                rename_triple(q.triple, outward)
                for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
            )
            return render_triples(
                triples, job.media_type, job.max_rows, dict(job.prefixes), job.max_bytes
            )
        answer = ox.parse_query_results(standard_results(body), format=ox.QueryResultsFormat.XML)
        if job.form == "ASK" or isinstance(answer, ox.QueryBoolean):
            boolean = ask_answer(answer)
            if boolean is not None:
                return render_boolean(boolean, job.media_type)
        assert isinstance(answer, ox.QuerySolutions)
        return render_solutions(
            Renamed(answer, outward),  # type: ignore[arg-type]
            job.media_type,
            job.max_rows,
            job.max_bytes,
        )
    except ResultsTooLarge as error:
        return QueryProblem("too_large", str(error))
    except SyntaxError as error:
        return QueryProblem("evaluation", f"The store's answer could not be read: {error}")


def remote_dataset(store: RemoteStore, job: QueryJob) -> dict[str, Any]:
    """The protocol dataset to send, which replaces any other: the request's, else the
    query's own ``FROM``/``FROM NAMED``, else the version's parts (the default graph is
    their merge, as embedded).  Names are mapped to the version's graphs; a name the
    version does not have becomes an empty graph, never a graph of the store that this
    deployment does not publish (another deployment's, the control graph, the store's own).

    :raises QueryRefused: the query's FROM clauses could not be read here.
    """
    inward = {public: remote for remote, public in store.public_names().items()}
    default: Sequence[str]
    named: Sequence[str]
    if job.default_graphs is not None or job.named_graphs is not None:
        default, named = job.default_graphs or (), job.named_graphs or ()
    elif not job.union_default_graph:  # FROM / FROM NAMED in the query
        default, named = query_dataset(job.query, job.base_iri)
    else:
        return {"default_graphs": store.part_graphs, "named_graphs": store.part_graphs}
    return {
        "default_graphs": [inward.get(g, EMPTY_GRAPH) for g in default] or [EMPTY_GRAPH],
        "named_graphs": [inward.get(g, EMPTY_GRAPH) for g in named] or [EMPTY_GRAPH],
    }


def query_dataset(query: str, base_iri: str) -> tuple[list[str], list[str]]:
    """The graphs a query's ``FROM`` and ``FROM NAMED`` clauses name (rdflib's parser).

    :raises QueryRefused: they could not be read.
    """
    try:
        parsed = translateQuery(parseQuery(query), base=base_iri)
    except Exception:  # noqa: BLE001  (any parser failure means the same to the client)
        raise QueryRefused(
            "This endpoint could not read the query's FROM clauses; name the graphs with the "
            "protocol's default-graph-uri and named-graph-uri parameters instead."
        ) from None
    clauses = parsed.algebra.get("datasetClause") or []
    default = [str(c["default"]) for c in clauses if "default" in c]
    named = [str(c["named"]) for c in clauses if "named" in c]
    return default, named


def rename_graphs(query: str, names: Mapping[str, str], base: str = "") -> str:
    """``{base}graph/data`` → the version's graph in the store, however the query writes the
    IRI (``<…>``, relative, or with a prefix), never inside a string or a comment."""
    if not names:
        return query
    return replace_iris(query, names.get, base)


def rename_term(term: Any, names: Mapping[str, str]) -> Any:
    if isinstance(term, ox.NamedNode) and term.value in names:
        return ox.NamedNode(names[term.value])
    return term


def rename_triple(triple: ox.Triple, names: Mapping[str, str]) -> ox.Triple:
    if not names:
        return triple
    return ox.Triple(
        rename_term(triple.subject, names),
        rename_term(triple.predicate, names),
        rename_term(triple.object, names),
    )


class Renamed:
    """Query solutions with the store's graph names turned back into the public ones."""

    def __init__(self, solutions: ox.QuerySolutions, names: Mapping[str, str]) -> None:
        self.variables = solutions.variables
        self._solutions = solutions
        self._names = names

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for solution in self._solutions:
            yield tuple(rename_term(value, self._names) for value in solution)
