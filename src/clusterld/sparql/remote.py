"""Queries over a remote store: checked here, run there, answered as if run here.

ClusterLD does not trust the remote store's own settings to enforce its limits, so a query
reaches the store only after everything the embedded engine would refuse was refused
(updates, ``SERVICE``, depth, length: :class:`~clusterld.sparql.service.SparqlService`) and
after it parsed here (so a syntax error is located by line and column, exactly as with the
embedded store).  The store answers in SPARQL XML results or N-Triples, which are read back
and written out by :mod:`clusterld.sparql.results` in the format the client negotiated, cut at
``SPARQL_MAX_ROWS`` and refused over ``SPARQL_MAX_BYTES``: the same bytes as the embedded
store gives for the same answer.  The read timeout of the request is ``SPARQL_TIMEOUT``.

The dataset a query sees is one version: its four parts, by the names a client knows
(``{base}graph/data`` ...), which are mapped to the version's graphs in the store on the way
in and back on the way out.  A graph the version does not have is an empty one, as in the
embedded store, never a graph of another deployment that shares the store.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pyoxigraph as ox

from clusterld.dataset.endpoint import N_TRIPLES, RESULTS_XML, ask_answer, standard_results
from clusterld.dataset.remote import RemoteStore
from clusterld.sparql.engine import QueryJob, QueryProblem, syntax_problem
from clusterld.sparql.results import (
    AnswerTooLarge,
    Rendered,
    render_boolean,
    render_solutions,
    render_triples,
)

EMPTY_GRAPH = "urn:x-clusterld:empty"
"""What a graph name the version does not have is mapped to: a graph nobody writes."""
_local = threading.local()


def parse_check(job: QueryJob) -> QueryProblem | None:
    """Parse the query here (against an empty store), for located syntax errors."""
    empty: ox.Store | None = getattr(_local, "empty", None)
    if empty is None:
        empty = _local.empty = ox.Store()
    try:
        empty.query(job.query, base_iri=job.base_iri)
    except SyntaxError as error:
        return syntax_problem(job.query, str(error))
    except (OSError, ValueError, RuntimeError):
        return None  # it parsed; evaluating it on nothing failed, which the store will say
    return None


def run_remote(store: RemoteStore, job: QueryJob, timeout: float) -> Rendered | QueryProblem:
    """Run ``job`` on the remote version ``store`` and serialise the answer.

    :raises StoreDown, StoreTimeout, StoreRefused: the store did not answer.
    """
    problem = parse_check(job)
    if problem is not None or job.check_only:
        return problem or Rendered(b"", None, False)
    inward = store.public_names()
    outward = {remote: public for public, remote in ((v, k) for k, v in inward.items())}
    query = rename_graphs(job.query, {public: remote for remote, public in inward.items()})
    # Relative IRIs resolve against this endpoint, not the store's (a later BASE wins).
    query = f"BASE <{job.base_iri}>\n{query}"
    dataset = remote_dataset(store, job)
    graph_form = job.form in ("CONSTRUCT", "DESCRIBE")
    body = store.endpoint.query(
        query, accept=N_TRIPLES if graph_form else RESULTS_XML, timeout=timeout, **dataset
    )
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
    except AnswerTooLarge as error:
        return QueryProblem("too_large", str(error))
    except SyntaxError as error:
        return QueryProblem("evaluation", f"The store's answer could not be read: {error}")


def remote_dataset(store: RemoteStore, job: QueryJob) -> dict[str, Any]:
    """The protocol dataset to send: the request's (mapped), the query's own FROM (none
    sent), or the version's parts (the default graph is their merge, as embedded)."""
    inward = {public: remote for remote, public in store.public_names().items()}
    if job.default_graphs is not None or job.named_graphs is not None:
        return {
            "default_graphs": [inward.get(g, EMPTY_GRAPH) for g in job.default_graphs or ()]
            or [EMPTY_GRAPH],
            "named_graphs": [inward.get(g, EMPTY_GRAPH) for g in job.named_graphs or ()]
            or [EMPTY_GRAPH],
        }
    if not job.union_default_graph:  # FROM / FROM NAMED in the query: it names its dataset
        return {}
    return {"default_graphs": store.part_graphs, "named_graphs": store.part_graphs}


def rename_graphs(query: str, names: Mapping[str, str]) -> str:
    """``<{base}graph/data>`` → the version's graph in the store, wherever the query writes
    the full IRI (FROM, FROM NAMED, GRAPH)."""
    if not names:
        return query
    pattern = re.compile("|".join(re.escape(f"<{name}>") for name in names))
    return pattern.sub(lambda m: f"<{names[m.group()[1:-1]]}>", query)


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
