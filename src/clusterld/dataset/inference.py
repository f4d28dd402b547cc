"""Materialise the entailments a consumer without a reasoner needs, before validating.

The published data carries the standard super-types and the shortcut properties, so plain
SPARQL finds everything.  A contributor who writes only ``a cld:EducationIndustryCluster``, or
only the ``org:Membership``, would otherwise publish a cluster that no shape targets (the
shapes name only standard classes) and members that ``org:hasMember`` misses.  Loading
therefore adds, idempotently:

- the super-classes of every type, from the ontology's ``rdfs:subClassOf`` and the few
  standard axioms of ORG, RegOrg and schema.org that the data relies on;
- ``org:hasMember`` / ``org:memberOf`` for every membership;
- the inverse of ``org:hasUnit`` / ``org:unitOf`` and of ``org:hasSubOrganization`` /
  ``org:subOrganizationOf``.

The membership shortcuts grow with the *product* of a membership's members and
organisations, so a small document can ask for millions of triples.  Every addition is
therefore counted before any is made, and more than ``INFERENCE_MAX_TRIPLES`` is refused
(:class:`InferenceTooLarge`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import Store as OxStore
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from clusterld.config import SETTINGS
from clusterld.dataset.loading import parse_file, rdf_files
from clusterld.dataset.terms import to_rdflib
from clusterld.errors import InputTooLarge
from clusterld.namespaces import ORG, ROV, SCHEMA

DEFAULT_MAX_DERIVED: int = next(s.default for s in SETTINGS if s.name == "INFERENCE_MAX_TRIPLES")

STANDARD_SUPERCLASSES: dict[URIRef, tuple[URIRef, ...]] = {
    ORG.OrganizationalCollaboration: (ORG.Organization,),
    ORG.FormalOrganization: (ORG.Organization,),
    ORG.OrganizationalUnit: (ORG.Organization,),
    ROV.RegisteredOrganization: (ORG.FormalOrganization,),
    ORG.Role: (SKOS.Concept,),
    SCHEMA.School: (SCHEMA.EducationalOrganization,),
    SCHEMA.EducationalOrganization: (SCHEMA.Organization,),
    SCHEMA.Corporation: (SCHEMA.Organization,),
    SCHEMA.NGO: (SCHEMA.Organization,),
    SCHEMA.GovernmentOrganization: (SCHEMA.Organization,),
}
INVERSE_PAIRS: tuple[tuple[URIRef, URIRef], ...] = (
    (ORG.hasUnit, ORG.unitOf),
    (ORG.hasSubOrganization, ORG.subOrganizationOf),
    (ORG.hasMember, ORG.memberOf),
)


class InferenceTooLarge(InputTooLarge):
    """Inference would add more triples than ``INFERENCE_MAX_TRIPLES`` allows."""

    title = "Too many inferred triples"

    def __init__(self, detail: str, *, membership: Node | None = None) -> None:
        super().__init__(detail)
        self.membership = membership
        """The membership that accounts for most of it, if one does (to find its file)."""


def materialise(data: Graph, ontology: Graph, *, max_derived: int = DEFAULT_MAX_DERIVED) -> int:
    """Add the entailments above to ``data`` in place; return how many triples were added.

    :raises InferenceTooLarge: the additions (counted before any is made, an upper bound that
        includes triples already present) would be more than ``max_derived``; ``data`` is
        left unchanged.
    """
    superclasses = _superclasses(ontology)
    memberships = [
        (
            membership,
            list(data.objects(membership, ORG.member)),
            list(data.objects(membership, ORG.organization)),
        )
        for membership in set(data.subjects(RDF.type, ORG.Membership))
    ]
    _check_size(data, superclasses, memberships, max_derived)
    before = len(data)
    _add_super_types(data, superclasses)
    for _, members, organisations in memberships:
        for member in members:
            for organisation in organisations:
                data.add((organisation, ORG.hasMember, member))
    for forward, backward in INVERSE_PAIRS:
        for s, o in list(data.subject_objects(forward)):
            data.add((o, backward, s))
        for s, o in list(data.subject_objects(backward)):
            data.add((o, forward, s))
    return len(data) - before


def _check_size(
    data: Graph,
    superclasses: dict[Node, set[Node]],
    memberships: list[tuple[Node, list[Node], list[Node]]],
    limit: int,
) -> None:
    """Refuse inference that would add more than ``limit`` triples, before adding any."""
    super_types = sum(len(superclasses.get(cls, ())) for cls in data.objects(None, RDF.type))
    shortcuts = sum(len(members) * len(orgs) for _, members, orgs in memberships)
    inverses = shortcuts + sum(
        1 for pair in INVERSE_PAIRS for prop in pair for _ in data.subject_objects(prop)
    )
    total = super_types + shortcuts + inverses
    if total <= limit:
        return
    detail = (
        f"Inference would add up to {total} triples, more than the limit of {limit} "
        "(setting INFERENCE_MAX_TRIPLES)."
    )
    culprit = max(memberships, key=lambda m: len(m[1]) * len(m[2]), default=None)
    if culprit is None or 4 * len(culprit[1]) * len(culprit[2]) < total:
        raise InferenceTooLarge(detail)  # no single membership accounts for half of it
    membership, members, orgs = culprit
    raise InferenceTooLarge(
        f"{detail} The membership {_name(membership)} has {len(members)} org:member and "
        f"{len(orgs)} org:organization values, and every pair of them becomes an org:hasMember "
        "and an org:memberOf triple: write one org:Membership per member and organisation.",
        membership=membership,
    )


def source_of(
    error: InferenceTooLarge, paths: Iterable[Path], *, source_base: str = "", base: str = ""
) -> str:
    """The data file that declares the membership to blame, else every file that was read.

    For messages only: the files are parsed again, one at a time, after loading failed.  A
    membership IRI rebased to ``base`` is looked for as written, under ``source_base``.
    """
    files = rdf_files(paths)
    membership = error.membership
    if isinstance(membership, URIRef):
        if base and membership.startswith(base):
            membership = URIRef(source_base + membership[len(base) :])
        for file in files:
            if (membership, RDF.type, ORG.Membership) in parse_file(file):
                return str(file)
    return ", ".join(str(file) for file in files)


def _name(node: Node) -> str:
    return f"<{node}>" if isinstance(node, URIRef) else f"_:{node} (a blank node)"


def _superclasses(ontology: Graph) -> dict[Node, set[Node]]:
    """Every class's transitive super-classes (standard axioms plus the ontology's own)."""
    direct: dict[Node, set[Node]] = {k: set(v) for k, v in STANDARD_SUPERCLASSES.items()}
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sup, URIRef):
            direct.setdefault(sub, set()).add(sup)
    closed: dict[Node, set[Node]] = {}
    for cls in direct:
        closed[cls] = _closure(cls, direct)
    return closed


def _closure(cls: Node, direct: dict[Node, set[Node]]) -> set[Node]:
    seen: set[Node] = set()
    pending: list[Node] = list(direct.get(cls, ()))
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(direct.get(current, ()))
    return seen


def _add_super_types(data: Graph, superclasses: dict[Node, set[Node]]) -> None:
    typed: Iterable[tuple[Node, Node]] = list(data.subject_objects(RDF.type))
    for thing, cls in typed:
        for sup in superclasses.get(cls, ()):
            data.add((thing, RDF.type, sup))


def materialise_in_store(store: OxStore, graph: str, ontology: Graph, *, max_derived: int) -> None:
    """The same entailments as :func:`materialise`, added inside an Oxigraph store.

    For publishing large data: each rule is one SPARQL update run by Oxigraph, in the same
    order as :func:`materialise` (super-types, memberships, inverses), so the result is the
    same set of triples (a test compares the two on every fixture).
    """
    g = f"<{graph}>"
    pairs = sorted(
        (str(cls), str(sup))
        for cls, sups in _superclasses(ontology).items()
        if isinstance(cls, URIRef)
        for sup in sups
        if isinstance(sup, URIRef)
    )
    if pairs:
        values = " ".join(f"(<{cls}> <{sup}>)" for cls, sup in pairs)
        store.update(
            f"INSERT {{ GRAPH {g} {{ ?s a ?sup }} }} "
            f"WHERE {{ VALUES (?c ?sup) {{ {values} }} GRAPH {g} {{ ?s a ?c "
            f"FILTER NOT EXISTS {{ ?s a ?sup }} }} }}"
        )
    worst = store.query(
        f"SELECT ?x (COUNT(*) AS ?n) WHERE {{ GRAPH {g} {{ ?x a <{ORG.Membership}> ; "
        f"<{ORG.member}> ?m ; <{ORG.organization}> ?o }} }} GROUP BY ?x ORDER BY DESC(?n)"
    )
    counts = [(row[0], int(row[1].value)) for row in worst]  # type: ignore[union-attr]
    shortcuts = sum(n for _, n in counts)
    if 2 * shortcuts > max_derived:  # the one rule whose output outgrows its input
        membership, most = counts[0]
        raise InferenceTooLarge(
            f"Inference would add up to {2 * shortcuts} org:hasMember and org:memberOf triples, "
            f"more than the limit of {max_derived} (setting INFERENCE_MAX_TRIPLES, or the "
            f"size of the data if larger). The membership {membership.value} alone makes "
            f"{most} member and organisation pairs: write one org:Membership per member and "
            "organisation.",
            membership=to_rdflib(membership),
        )
    # Only what is missing is inserted: data written with the shortcuts (as the shipped
    # data is) then costs reads, not a rewrite of every such triple.
    store.update(
        f"INSERT {{ GRAPH {g} {{ ?o <{ORG.hasMember}> ?m }} }} WHERE {{ GRAPH {g} {{ "
        f"?x a <{ORG.Membership}> ; <{ORG.member}> ?m ; <{ORG.organization}> ?o "
        f"FILTER NOT EXISTS {{ ?o <{ORG.hasMember}> ?m }} }} }}"
    )
    for forward, backward in INVERSE_PAIRS:
        for p, q in ((forward, backward), (backward, forward)):
            store.update(
                f"INSERT {{ GRAPH {g} {{ ?o <{q}> ?s }} }} WHERE {{ GRAPH {g} {{ ?s <{p}> ?o "
                f"FILTER NOT EXISTS {{ ?o <{q}> ?s }} }} }}"
            )
