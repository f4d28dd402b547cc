"""RDF terms between pyoxigraph (the store) and rdflib (pages, JSON-LD, pyshacl), and a
read-only rdflib view of one graph of an Oxigraph store.

The view lets code written against rdflib graphs look things up in the on-disk store: each
``graph.triples(pattern)`` is one quad lookup.  It builds on oxrdflib (maintained with
Oxigraph) and fixes the one conversion that matters here: a plain string in Oxigraph is typed
``xsd:string``, and rdflib treats ``Literal("x")`` and ``Literal("x", datatype=XSD.string)`` as
different terms, so every plain literal is returned as rdflib writes it after parsing Turtle.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.query import Result
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

Triple = tuple[Node, Node, Node]


def to_rdflib(term: Any) -> Node:
    """The rdflib term for a pyoxigraph term (plain strings untyped, as rdflib parses them)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError(f"not an RDF term: {term!r}")


def to_ox(term: Node) -> Any:
    """The pyoxigraph term for an rdflib term."""
    if term == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        datatype = ox.NamedNode(str(term.datatype)) if term.datatype else None
        return ox.Literal(str(term), language=term.language, datatype=datatype)
    raise ValueError(f"not an RDF term: {term!r}")


def to_rdflib_triple(quad: Any) -> Triple:
    return (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))


class OxigraphView(OxigraphStore):
    """A read-only rdflib store over an open pyoxigraph store (see the module docstring).

    With ``merge``, a graph of this store is the RDF merge of those named graphs: each lookup
    asks each of them, and a triple that two of them hold is seen once.
    """

    def __init__(self, store: ox.Store, merge: tuple[URIRef, ...] = ()) -> None:
        super().__init__(store=store)
        self._merge = tuple(ox.NamedNode(str(name)) for name in merge)

    def triples(
        self, triple_pattern: tuple[Node | None, Node | None, Node | None], context: Any = None
    ) -> Iterator[tuple[Triple, Iterator[Graph | None]]]:
        try:
            pattern = [None if term is None else to_ox(term) for term in triple_pattern]
        except ValueError:
            return iter(())
        if self._merge:
            return self._merged(pattern, context)
        graph = to_ox(context.identifier) if isinstance(context, Graph) else None
        quads = self._inner.quads_for_pattern(*pattern, graph)  # type: ignore[call-arg]
        return ((to_rdflib_triple(quad), iter((context,))) for quad in quads)

    def _merged(
        self, pattern: list[Any], context: Any
    ) -> Iterator[tuple[Triple, Iterator[Graph | None]]]:
        seen: set[Any] = set()
        for graph in self._merge:
            for quad in self._inner.quads_for_pattern(*pattern, graph):  # type: ignore[call-arg]
                triple = quad.triple
                if len(self._merge) > 1:
                    if triple in seen:
                        continue
                    seen.add(triple)
                yield to_rdflib_triple(quad), iter((context,))

    def add(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a published version is read-only")

    def remove(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a published version is read-only")

    def query(
        self,
        query: Any,
        initNs: Mapping[str, Any],  # noqa: N803  (rdflib's names)
        initBindings: Mapping[str, Any],  # noqa: N803
        queryGraph: Any,  # noqa: N803
        **kwargs: object,
    ) -> Result:
        graph: Any = to_ox(queryGraph) if isinstance(queryGraph, Node) else None
        if self._merge:
            graph = list(self._merge)
        answer = self._inner.query(
            str(query),
            default_graph=graph,
            prefixes={k: str(v) for k, v in {**dict(self.namespaces()), **initNs}.items()},
            substitutions={ox.Variable(k): to_ox(v) for k, v in initBindings.items()},
        )
        if isinstance(answer, ox.QueryBoolean):
            out = Result("ASK")
            out.askAnswer = bool(answer)
        elif isinstance(answer, ox.QuerySolutions):
            out = select_result(answer)
        else:
            out = Result("CONSTRUCT")
            out.graph = Graph()
            for triple in answer:
                out.graph.add(to_rdflib_triple(triple))
        return out


def select_result(solutions: ox.QuerySolutions) -> Result:
    """Oxigraph's SELECT solutions as an rdflib query result."""
    out = Result("SELECT")
    out.vars = [Variable(v.value) for v in solutions.variables]
    out.bindings = [
        {
            v: to_rdflib(value)  # type: ignore[misc]
            for v, value in zip(out.vars, row, strict=True)
            if value is not None
        }
        for row in solutions
    ]
    return out


def view(
    store: ox.Store, name: URIRef, prefixes: Mapping[str, str], *, merge: tuple[URIRef, ...] = ()
) -> Graph:
    """A read-only rdflib graph over one graph of ``store`` (``DATASET_DEFAULT_GRAPH_ID``:
    the default graph), or over the merge of the named graphs ``merge``."""
    graph = Graph(store=OxigraphView(store, merge), identifier=name)
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, replace=True)
    return graph


def in_memory(store: ox.Store, name: URIRef, prefixes: Mapping[str, str]) -> Graph:
    """A copy of one graph of ``store`` in an rdflib in-memory graph (for small graphs)."""
    graph = Graph()
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, replace=True)
    for quad in store.quads_for_pattern(None, None, None, to_ox(name)):
        graph.add(to_rdflib_triple(quad))
    return graph
