"""A published version in a remote SPARQL 1.1 store (Virtuoso, the Oxigraph server, ...).

Layout in the store, for a dataset published under ``{base}`` (several deployments, each
with its own base, can share one store)::

    {base}graph/versions             the control graph: which version is current, which
                                     versions exist, when each was retired
    {base}graph/<part>/<version>     the parts of one version: data, ontology, shapes,
                                     metadata (never written again once registered)
    {base}graph/record/<version>     what publishing computed: the manifest (JSON), the
                                     validation report (Turtle) and the things' paths

A version becomes current by one SPARQL Update of the control graph, after all its graphs
are loaded and counted (:mod:`clusterld.publishing.remote`), so a reader never sees half a
version; a retired version is dropped only once no reader can still be using it.

A server follows the pointer: :func:`current_version` asks for it (one small query,
at most every ``STORE_REFRESH`` seconds); :class:`RemoteStore` reads one version.  Document
descriptions come in one query (plus one for the labels of what they mention), whatever
the size of the store; other lookups are one query each, remembered per version (a version
never changes, so what was read once stays true).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.query import Result
from rdflib.store import Store as RdflibStore
from rdflib.term import Node

from clusterld.dataset.describe import Description, new_graph
from clusterld.dataset.endpoint import N_TRIPLES, Endpoint, standard_results
from clusterld.dataset.labels import LABEL_PREDICATES
from clusterld.dataset.members import ClusterRow, notation_key
from clusterld.dataset.store import (
    PARTS,
    RECENT_ENTRIES,
    RecentlyUsed,
    Store,
    StoreUnavailable,
    read_report_text,
)
from clusterld.dataset.terms import Triple, select_result, to_ox, to_rdflib
from clusterld.dataset.versions import Manifest
from clusterld.namespaces import IRIScheme
from clusterld.shacl.engine import ValidationReport

SKOS_NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
CONTROL = "urn:x-clusterld:"
"""Namespace of the control graph's predicates: bookkeeping, not part of any dataset."""
CURRENT = f"<{CONTROL}current>"
STATE = f"<{CONTROL}state>"
RETIRED = f"<{CONTROL}retiredAt>"
STARTED = f"<{CONTROL}startedAt>"
MANIFEST = f"<{CONTROL}manifest>"
REPORT = f"<{CONTROL}report>"
THINGS = f"<{CONTROL}things>"
DUMP = f"{CONTROL}dump/"
"""``dump/<part>``: the exact N-Triples dump of a part with blank nodes (a store relabels
them, so the dump could not be written again with the same bytes and checksums)."""

LABEL_BATCH = 500
"""IRIs whose labels one query asks for (a class page lists up to 1,000)."""
MEMO_ROWS = 2000
"""Lookups with at most this many answers are remembered per version; larger ones (a whole
graph, for the validation service) are read again when asked again."""
CLOSURE_DEPTH = 2
"""Blank-node levels a description asks for at first (a deeper one asks again, deeper)."""
MAX_CLOSURE_DEPTH = 32
"""Deepest blank-node nesting followed (an RDF list of this many items, say)."""


def control_graph(base: str) -> str:
    return f"{base}graph/versions"


def version_iri(base: str, version: str) -> str:
    return f"{base}graph/record/{version}"


def version_graphs(base: str, version: str) -> dict[str, str]:
    """The graph names of one version in the remote store, by part (and ``record``)."""
    graphs = {part: f"{base}graph/{part}/{version}" for part in PARTS}
    graphs["record"] = version_iri(base, version)
    return graphs


def iri(text: str) -> str:
    """``<text>`` for a query (the IRIs here come from the base and versions, checked)."""
    return f"<{text}>"


def current_version(endpoint: Endpoint, base: str) -> str | None:
    """The version the control graph names as current under ``base`` (None: none yet)."""
    control = iri(control_graph(base))
    rows = endpoint.select(
        f"SELECT ?v WHERE {{ GRAPH {control} {{ {control} {CURRENT} ?v }} }}",
        timeout=min(endpoint.config.timeout, 5.0),
    )
    if not rows or rows[0][0] is None:
        return None
    return str(rows[0][0].value).rsplit("/", 1)[-1]


def open_remote(
    endpoint: Endpoint,
    base: str,
    *,
    cache: Path,
    version: str | None = None,
    max_incoming: int = 50,
) -> RemoteStore:
    """Open the current (or the given) version published under ``base``.

    :raises StoreUnavailable: nothing is published under ``base`` in this store.
    :raises StoreDown, StoreTimeout, StoreRefused: the store did not answer.
    """
    version = version or current_version(endpoint, base)
    if version is None:
        raise StoreUnavailable(
            f"Nothing is published under {base} in the store at {endpoint.config!r}; "
            f"publish it first: clusterld publish --store URL --base-uri {base}"
        )
    record = iri(version_iri(base, version))
    rows = endpoint.select(
        f"SELECT ?m ?r WHERE {{ GRAPH {record} {{ {record} {MANIFEST} ?m . "
        f"OPTIONAL {{ {record} {REPORT} ?r }} }} }}"
    )
    if not rows or rows[0][0] is None:
        raise StoreUnavailable(
            f"The version {version} named current under {base} has no record in the store; "
            "publish again"
        )
    manifest = Manifest.from_json(str(rows[0][0].value))
    return RemoteStore(
        IRIScheme(manifest.base),
        manifest,
        endpoint=endpoint,
        graphs=version_graphs(manifest.base, version),
        cache=cache,
        max_incoming=max_incoming,
        report_text=str(rows[0][1].value) if rows[0][1] is not None else "",
    )


@dataclass(frozen=True, eq=False)
class RemoteStore(Store):
    """One version in the named graphs of a remote store (see the module docstring)."""

    endpoint: Endpoint = field(repr=False, kw_only=True)
    graphs: Mapping[str, str] = field(kw_only=True)
    """The version's graph names in the store, by part."""
    cache: Path = field(kw_only=True)
    """A local folder for what is made from the store once per version (the dumps)."""
    report_text: str = field(default="", kw_only=True, repr=False)
    """The validation report, as Turtle (read with the manifest: every document links it)."""
    max_incoming: int = field(default=50, kw_only=True)
    """``MAX_INCOMING_LINKS``: the incoming links a document shows (for :meth:`mentions`)."""

    def dumps_folder(self) -> Path:
        return self.cache / self.version / "dumps"

    def part_ntriples(self, part: str) -> bytes:
        """One whole part of the version as N-Triples (for writing its dumps): as published
        if the record kept it (a part with blank nodes), else read from the store."""
        kept = self._record(f"<{DUMP}{part}>")
        if kept:
            return kept.encode("utf-8")
        return self.endpoint.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            accept=N_TRIPLES,
            default_graphs=(self.graphs[part],),
            timeout=max(self.endpoint.config.timeout, 600.0),
        )

    @property
    def union_graphs(self) -> tuple[str, ...]:
        return tuple(self.graphs[part] for part in ("data", "ontology", "shapes"))

    @property
    def part_graphs(self) -> tuple[str, ...]:
        return tuple(self.graphs[part] for part in PARTS)

    def public_names(self) -> dict[str, str]:
        """Graph names in the store → the names a client sees (``{base}graph/<part>``)."""
        return {self.graphs[part]: str(self.graph_names[part]) for part in PARTS}

    @cached_property
    def data(self) -> Graph:
        return self._view(self.graph_names["data"], (self.graphs["data"],))

    @cached_property
    def union(self) -> Graph:
        return self._view(URIRef(f"{self.base}graph/union"), self.union_graphs)

    @cached_property
    def ontology(self) -> Graph:
        return self._whole("ontology")

    @cached_property
    def shapes(self) -> Graph:
        return self._whole("shapes")

    @cached_property
    def metadata(self) -> Graph:
        return self._whole("metadata")

    @cached_property
    def report(self) -> ValidationReport:
        return read_report_text(self.report_text, conforms=self.manifest.conforms)

    @cached_property
    def thing_paths(self) -> tuple[str, ...]:
        return tuple(self._record(THINGS).splitlines())

    def latest_version(self) -> str | None:
        return current_version(self.endpoint, self.base)

    def mentions(self, node: URIRef) -> bool:
        """From the description a document of ``node`` would show (remembered): the
        document then costs no second query."""
        description = self.describe(node, max_incoming=self.max_incoming)
        return bool(len(description.graph)) or description.incoming_total > 0

    def describe(self, subject: URIRef, *, max_incoming: int | None) -> Description:
        """One query, whatever the store's size (see :func:`describe_query`); remembered
        while recently used."""
        description: Description = self.recent(
            ("describe", subject, max_incoming), lambda: self._describe(subject, max_incoming)
        )
        return description

    def _describe(self, subject: URIRef, max_incoming: int | None) -> Description:
        try:
            to_ox(subject)
        except ValueError:  # not an IRI (a path with a space, say): nothing is described
            return Description(subject, new_graph(self.union), 0, 0)
        depth = CLOSURE_DEPTH
        while True:
            rows = self.endpoint.select(
                describe_query(subject, max_incoming, depth, data=self.graphs["data"]),
                default_graphs=self.union_graphs,
                named_graphs=(self.graphs["data"],),
            )
            known, open_ends = assemble(new_graph(self.union), subject, rows, depth)
            if not open_ends or depth >= MAX_CLOSURE_DEPTH:
                self.known.put(subject, known)
                for node, triples in known.labels.items():
                    self.labels.put(node, triples)
                return known.description
            depth *= 2

    @property
    def known(self) -> RecentlyUsed:
        """What recent descriptions told, by subject (see :class:`Described`)."""
        known: RecentlyUsed = self.cached("store|known", lambda: RecentlyUsed(RECENT_ENTRIES))
        return known

    @property
    def labels(self) -> RecentlyUsed:
        """The labels (all of :data:`LABEL_PREDICATES`) of IRIs recent descriptions
        mentioned."""
        labels: RecentlyUsed = self.cached("store|labels", lambda: RecentlyUsed(RECENT_ENTRIES))
        return labels

    def answer_known(
        self, pattern: tuple[Node | None, Node | None, Node | None]
    ) -> list[Triple] | None:
        """The union's triples matching ``pattern``, if a recent description knows them."""
        s, p, o = pattern
        if isinstance(s, URIRef):
            found: Described | None = self.known.peek(s)
            answer = found.answer(pattern) if found is not None else None
            if answer is not None:
                return answer
            labels: list[Triple] | None = self.labels.peek(s) if p in LABEL_PREDICATES else None
            if labels is not None:
                return [t for t in labels if t[1] == p and o in (None, t[2])]
        if s is None and isinstance(o, URIRef):
            target: Described | None = self.known.peek(o)
            return target.answer(pattern) if target is not None else None
        return None

    def cluster_rows(self, limit: int | None = None) -> list[ClusterRow]:
        """Three queries (the clusters and their notations; industries and leads; member
        counts) rather than lookups per cluster and membership; then their labels."""
        term, org = self.iris.term, "http://www.w3.org/ns/org#"
        rows = self.endpoint.select(
            f"SELECT ?c ?n WHERE {{ ?c a <{term.EducationIndustryCluster}> FILTER isIRI(?c) "
            f"OPTIONAL {{ ?c <{SKOS_NOTATION}> ?n }} }}",
            default_graphs=self.union_graphs,
        )
        notations: dict[URIRef, str] = {}
        for c, n in rows:
            notations.setdefault(URIRef(c.value), n.value if n is not None else "")
        chosen = sorted(notations, key=lambda c: (notation_key(notations[c]), str(c)))[:limit]
        if not chosen:
            return []
        values = "VALUES ?c { " + " ".join(f"<{c}>" for c in chosen) + " }"
        links: dict[tuple[URIRef, str], set[URIRef]] = {}
        for c, p, o in self.endpoint.select(
            f"SELECT ?c ?p ?o WHERE {{ {values} ?c ?p ?o FILTER(?p IN (<{term.industry}>, "
            f"<{term.leadOrganisation}>) && isIRI(?o)) }}",
            default_graphs=self.union_graphs,
        ):
            links.setdefault((URIRef(c.value), p.value), set()).add(URIRef(o.value))
        counts = {
            URIRef(c.value): int(k.value)
            for c, k in self.endpoint.select(
                f"SELECT ?c (COUNT(DISTINCT ?who) AS ?k) WHERE {{ {values} "
                f"?m <{org}organization> ?c ; a <{org}Membership> ; <{org}member> ?who "
                "FILTER(isIRI(?m) && isIRI(?who)) } GROUP BY ?c",
                default_graphs=self.union_graphs,
            )
        }
        result = [
            ClusterRow(
                c,
                tuple(sorted(links.get((c, str(term.industry)), ()))),
                tuple(sorted(links.get((c, str(term.leadOrganisation)), ()))),
                counts.get(c, 0),
            )
            for c in chosen
        ]
        named = {c for c in chosen} | {x for row in result for x in (*row.industries, *row.leads)}
        self.prefetch_labels(named)
        return result

    def prefetch_labels(self, nodes: Iterable[URIRef]) -> None:
        wanted = sorted({n for n in nodes if self.labels.peek(n) is None})
        predicates = ", ".join(f"<{p}>" for p in LABEL_PREDICATES)
        for start in range(0, len(wanted), LABEL_BATCH):
            batch = wanted[start : start + LABEL_BATCH]
            found: dict[URIRef, list[Triple]] = {node: [] for node in batch}
            rows = self.endpoint.select(
                f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {' '.join(f'<{n}>' for n in batch)} }} "
                f"?s ?p ?o FILTER(?p IN ({predicates})) }}",
                default_graphs=self.union_graphs,
            )
            for s, p, o in rows:
                node = URIRef(s.value)
                found[node].append((node, to_rdflib(p), to_rdflib(o)))
            for node, triples in found.items():
                self.labels.put(node, triples)

    def membership_graph(self, organisation: URIRef) -> Graph:
        """The memberships in ``organisation``, their members, roles, the members' own
        members, and all their labels: one ``CONSTRUCT`` (remembered), rather than a lookup
        per membership."""

        def fetch() -> Graph:
            graph = new_graph(self.union)
            for t in self.endpoint.construct(
                membership_query(organisation, self.iris), default_graphs=self.union_graphs
            ):
                graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
            named = {o for p, o in graph.predicate_objects() if isinstance(o, URIRef)}
            for node in named - {organisation}:  # every label of each was asked for
                self.labels.put(
                    node, [t for lp in LABEL_PREDICATES for t in graph.triples((node, lp, None))]
                )
            return graph

        found: Graph = self.recent(("memberships", organisation), fetch)
        return found

    def in_data(self, node: URIRef) -> bool:
        found = self.known.peek(node)
        if found is not None and found.in_data is not None:
            return bool(found.in_data)
        return super().in_data(node)

    def _view(self, name: URIRef, graphs: tuple[str, ...]) -> Graph:
        graph = Graph(store=RemoteView(self, graphs), identifier=name)
        for prefix, namespace in self.iris.prefixes().items():
            graph.bind(prefix, namespace, replace=True)
        return graph

    def _whole(self, part: str) -> Graph:
        graph = Graph()
        for prefix, namespace in self.iris.prefixes().items():
            graph.bind(prefix, namespace, replace=True)
        triples = self.endpoint.construct(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graphs=(self.graphs[part],)
        )
        for triple in triples:
            graph.add(
                (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
            )
        return graph

    def _record(self, predicate: str) -> str:
        record = iri(self.graphs["record"])
        rows = self.endpoint.select(
            f"SELECT ?v WHERE {{ GRAPH {record} {{ {record} {predicate} ?v }} }}"
        )
        return str(rows[0][0].value) if rows and rows[0][0] is not None else ""


def membership_query(organisation: URIRef, iris: IRIScheme) -> str:
    """What :func:`clusterld.dataset.members.members_by_role` reads, as one ``CONSTRUCT``."""
    x = str(to_ox(organisation))
    org, rdf = "http://www.w3.org/ns/org#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    # FILTER, not VALUES: the Oxigraph server would join every label in the store first.
    labels = ", ".join(f"<{p}>" for p in (*LABEL_PREDICATES, SKOS_NOTATION))
    membership = (
        f"?m <{org}organization> {x} ; <{rdf}type> <{org}Membership> ; <{org}member> ?who ."
    )
    return f"""CONSTRUCT {{
        ?m <{org}organization> {x} ; <{rdf}type> <{org}Membership> ; <{org}member> ?who ;
           <{iris.term.viaOrganisation}> ?via ; <{org}role> ?role .
        ?m2 <{org}organization> ?who ; <{rdf}type> <{org}Membership> ; <{org}member> ?sub .
        ?named ?lp ?label .
    }} WHERE {{
        {membership}
        {{ ?m <{iris.term.viaOrganisation}> ?via }}
        UNION {{ ?m <{org}role> ?role }}
        UNION {{ ?m2 <{org}organization> ?who ; <{rdf}type> <{org}Membership> ;
                     <{org}member> ?sub }}
        UNION {{ {{ ?m <{org}role> ?named }} UNION {{ ?m <{org}member> ?named }}
                 UNION {{ ?m <{iris.term.viaOrganisation}> ?named }}
                 UNION {{ ?m2 <{org}organization> ?who ; <{org}member> ?named }}
                 ?named ?lp ?label FILTER(?lp IN ({labels})) }}
    }}"""


def describe_query(
    subject: URIRef, max_incoming: int | None, depth: int, data: str | None = None
) -> str:
    """One SELECT for a whole description.  Its rows are of four kinds, told apart by which
    variables they bind:

    - ``?p ?o`` (and ``?b1`` … for a blank node ``i`` levels down): a triple of the subject,
      or of a blank node it reaches within ``depth`` levels;
    - ``?m ?lp ?label``: a label of an IRI those triples mention (object or predicate);
    - ``?in ?via`` (``?inl ?inlabel``, ``?vl ?vlabel``: their labels): an incoming link, in
      IRI order, at most ``max_incoming``;
    - ``?n``: the number of incoming links; ``?nb``: of links from blank nodes;
    - ``?d``: bound if the graph ``data`` (a named graph of the request) describes it.

    No ``BIND``: Virtuoso's compiler fails on constants bound in unions.  Label predicates
    are a ``FILTER(?lp IN (...))``, not ``VALUES ?lp``: the Oxigraph server joins a
    ``VALUES`` table first and so reads every label in the store (1.1 s instead of 14 ms
    for one document at 20,000 triples; ``benchmarks/remote.py``).
    """
    x = str(to_ox(subject))
    labels = ", ".join(f"<{p}>" for p in LABEL_PREDICATES)
    branches = []
    for level in range(depth + 1):
        hops = [f"{x} ?q0 ?b1 . FILTER(isBlank(?b1))"] if level else []
        hops += [f"?b{i} ?q{i} ?b{i + 1} . FILTER(isBlank(?b{i + 1}))" for i in range(1, level)]
        node = f"?b{level}" if level else x
        path = " ".join(hops)
        branches.append(f"{{ {path} {node} ?p ?o }}")
        for term in ("?m ?y", "?y ?m"):  # labels of objects, then of predicates
            branches.append(
                f"{{ {path} {node} {term} . FILTER(isIRI(?m)) ?m ?lp ?label "
                f"FILTER(?lp IN ({labels})) }}"
            )
    links = f"?in ?via {x} FILTER(isIRI(?in) && ?in != {x})"
    window = "" if max_incoming is None else f" LIMIT {max_incoming}"
    branches.append(
        f"{{ {{ SELECT DISTINCT ?in ?via WHERE {{ {links} }} ORDER BY STR(?via) STR(?in)"
        f"{window} }} OPTIONAL {{ ?in ?inl ?inlabel FILTER(?inl IN ({labels})) }} "
        f"OPTIONAL {{ ?via ?vl ?vlabel FILTER(?vl IN ({labels})) }} }}"
    )
    branches.append(
        f"{{ SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?in ?via WHERE {{ {links} }} }} }}"
    )
    # Links from blank nodes: none means the incoming links above are all there are.
    branches.append(f"{{ SELECT (COUNT(*) AS ?nb) WHERE {{ ?bn ?bp {x} FILTER(isBlank(?bn)) }} }}")
    if data is not None:  # whether the data itself (not the ontology or shapes) has it
        branches.append(f"{{ SELECT ?d WHERE {{ GRAPH <{data}> {{ {x} ?d ?do }} }} LIMIT 1 }}")
    blanks = " ".join(f"?b{level}" for level in range(1, depth + 1))
    variables = f"{blanks} ?p ?o ?m ?lp ?label ?in ?via ?inl ?inlabel ?vl ?vlabel ?n ?nb ?d"
    return f"SELECT {variables} WHERE {{ {' UNION '.join(branches)} }}"


@dataclass
class Described:
    """What one description query told: the description, and what a page may look up next
    without asking the store again (the subject's own triples, the labels of everything
    mentioned, the incoming links when they are all there, whether the data has it)."""

    description: Description
    outgoing: list[Triple]
    labels: dict[URIRef, list[Triple]]
    incoming: list[Triple] | None
    in_data: bool | None

    def answer(self, pattern: tuple[Node | None, Node | None, Node | None]) -> list[Triple] | None:
        """The triples matching ``pattern``, if this description knows them all."""
        s, p, o = pattern
        subject = self.description.subject
        if s == subject:
            return [t for t in self.outgoing if p in (None, t[1]) and o in (None, t[2])]
        if s is None and o == subject and self.incoming is not None:
            return [t for t in self.incoming if p in (None, t[1])]
        return None


def assemble(
    graph: Graph, subject: URIRef, rows: Sequence[tuple[Any, ...]], depth: int
) -> tuple[Described, bool]:
    """What :func:`describe_query`'s rows say, and whether a blank node at the last level
    was left unexpanded."""
    total = from_blanks = 0
    shown: set[tuple[Any, Any]] = set()
    in_data: bool | None = None
    mentioned: set[URIRef] = set()
    for row in rows:
        blanks = row[:depth]
        p, o, m, lp, label, incoming, via, inl, inlabel, vl, vlabel, count, nb, d = row[depth:]
        if count is not None:
            total = int(count.value)
        elif nb is not None:
            from_blanks = int(nb.value)
        elif d is not None:
            in_data = True
        elif incoming is not None:
            shown.add((incoming, via))
            graph.add((to_rdflib(incoming), to_rdflib(via), subject))
            mentioned |= {to_rdflib(incoming), to_rdflib(via)}  # type: ignore[arg-type]
            for node, predicate, value in ((incoming, inl, inlabel), (via, vl, vlabel)):
                if value is not None:
                    graph.add((to_rdflib(node), to_rdflib(predicate), to_rdflib(value)))
        elif m is not None:
            if m.value != str(subject):
                graph.add((to_rdflib(m), to_rdflib(lp), to_rdflib(label)))
        elif p is not None:
            deepest = next((b for b in reversed(blanks) if b is not None), None)
            s = subject if deepest is None else to_rdflib(deepest)
            triple = (s, to_rdflib(p), to_rdflib(o))
            graph.add(triple)
            mentioned |= {t for t in triple[1:] if isinstance(t, URIRef)}
    described = set(graph.subjects())
    open_ends = any(isinstance(o, BNode) and o not in described for o in graph.objects())
    outgoing: list[Triple] = list(graph.triples((subject, None, None)))
    labels = {
        node: [t for lp in LABEL_PREDICATES for t in graph.triples((node, lp, None))]
        for node in mentioned - {subject}
    }
    complete = from_blanks == 0 and len(shown) == total
    incoming = [(s, p, subject) for s, p in graph.subject_predicates(subject) if s != subject]
    in_data = bool(in_data) if rows else None
    description = Description(subject, graph, total, len(shown))
    known = Described(description, outgoing, labels, incoming if complete else None, in_data)
    return known, open_ends and depth > 0


_FORM = re.compile(r"^\s*(?:(?:PREFIX|BASE)\b[^<]*<[^>]*>\s*)*(SELECT|ASK)\b", re.IGNORECASE)


class Rest(Sequence[Triple]):
    """A large answer: its first rows, and the whole answer read when a caller goes past
    them (rows already given are not given twice: the answer is a set of triples)."""

    def __init__(self, first: list[Triple], everything: Callable[[], list[Triple]]) -> None:
        self._first = first
        self._everything = everything

    def __iter__(self) -> Iterator[Triple]:
        yield from self._first
        given = set(self._first)
        yield from (triple for triple in self._everything() if triple not in given)

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __getitem__(self, index: Any) -> Any:
        return list(iter(self))[index]


class RemoteView(RdflibStore):
    """A read-only rdflib store over some graphs of a remote version (their merge).

    Each ``triples(pattern)`` is one ``SELECT``, remembered by the version while its answer
    is small.  Blank nodes cannot be looked up (a store labels them afresh in each answer),
    so patterns that name one find nothing: descriptions, which follow blank nodes, are
    read in one query by :meth:`RemoteStore.describe` instead.
    """

    def __init__(self, store: RemoteStore, graphs: tuple[str, ...]) -> None:
        super().__init__()
        self._store = store
        self._graphs = graphs

    def triples(
        self, triple_pattern: tuple[Node | None, Node | None, Node | None], context: Any = None
    ) -> Iterator[tuple[Triple, Iterator[Graph | None]]]:
        if any(isinstance(term, BNode) for term in triple_pattern):
            return iter(())
        known = (
            self._store.answer_known(triple_pattern)
            if self._graphs == self._store.union_graphs
            else None
        )
        if known is not None:
            return ((triple, iter((context,))) for triple in known)
        found = self._store.recent(
            ("triples", self._graphs, triple_pattern), lambda: self._first(triple_pattern)
        )
        return ((triple, iter((context,))) for triple in found)

    def _first(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Sequence[Triple]:
        """The answer, remembered if it is small; a large one is read again when asked
        again, and only as far as the caller goes (``(s, p, o) in graph`` stops at one)."""
        first = self._fetch(pattern, limit=MEMO_ROWS + 1)
        if len(first) <= MEMO_ROWS:
            return first
        return Rest(first, lambda: self._fetch(pattern))

    def _fetch(
        self, pattern: tuple[Node | None, Node | None, Node | None], limit: int | None = None
    ) -> list[Triple]:
        names = ("?s", "?p", "?o")
        terms = [
            name if term is None else str(to_ox(term))
            for name, term in zip(names, pattern, strict=True)
        ]
        wanted = [name for name, term in zip(names, pattern, strict=True) if term is None]
        if not wanted:
            ok = self._store.endpoint.ask(
                f"ASK {{ {' '.join(terms)} }}", default_graphs=self._graphs
            )
            return [tuple(pattern)] if ok else []  # type: ignore[list-item]
        distinct = "DISTINCT " if len(self._graphs) > 1 else ""
        window = f" LIMIT {limit}" if limit is not None else ""
        rows = self._store.endpoint.select(
            f"SELECT {distinct}{' '.join(wanted)} WHERE {{ {' '.join(terms)} }}{window}",
            default_graphs=self._graphs,
        )
        found: list[Triple] = []
        for row in rows:
            values = iter(row)
            triple = tuple(
                term if term is not None else to_rdflib(next(values)) for term in pattern
            )
            found.append(triple)  # type: ignore[arg-type]
        return found

    def __len__(self, context: Any = None) -> int:
        rows = self._store.endpoint.select(
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
            default_graphs=self._graphs,
        )
        return int(rows[0][0].value)

    def query(
        self,
        query: Any,
        initNs: Mapping[str, Any],  # noqa: N803  (rdflib's names)
        initBindings: Mapping[str, Any],  # noqa: N803
        queryGraph: Any,  # noqa: N803
        **kwargs: object,
    ) -> Result:
        """SELECT and ASK go to the store; anything else rdflib evaluates over lookups."""
        text = str(query)
        form = _FORM.match(text)
        if initBindings or form is None:
            raise NotImplementedError
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in initNs.items())
        endpoint = self._store.endpoint
        if form.group(1).upper() == "ASK":
            out = Result("ASK")
            out.askAnswer = endpoint.ask(prologue + text, default_graphs=self._graphs)
            return out
        body = endpoint.query(
            prologue + text, accept="application/sparql-results+xml", default_graphs=self._graphs
        )
        answer = ox.parse_query_results(standard_results(body), format=ox.QueryResultsFormat.XML)
        assert isinstance(answer, ox.QuerySolutions)
        return select_result(answer)

    def add(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a published version is read-only")

    def remove(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a published version is read-only")


def record_triples(
    base: str,
    manifest: Manifest | None,
    report: str,
    things: str | None,
    dumps: Mapping[str, str],
    *,
    version: str | None = None,
) -> bytes:
    """The record graph of a version, as N-Triples (``dumps``: N-Triples kept by part); the
    manifest and report only with a ``manifest``, the things only when given."""
    subject = ox.NamedNode(version_iri(base, manifest.version if manifest else str(version)))
    values = [("manifest", manifest.to_json()), ("report", report)] if manifest else []
    values += [("things", things)] if things is not None else []
    values += [(f"dump/{part}", text) for part, text in dumps.items()]
    lines = [
        ox.Triple(subject, ox.NamedNode(f"{CONTROL}{name}"), ox.Literal(value))
        for name, value in values
    ]
    return "".join(f"{triple} .\n" for triple in lines).encode("utf-8")
