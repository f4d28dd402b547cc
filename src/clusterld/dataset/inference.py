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
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Store as OxStore
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from clusterld.namespaces import ORG, ROV, SCHEMA

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


def materialise(data: Graph, ontology: Graph) -> int:
    """Add the entailments above to ``data`` in place; return how many triples were added."""
    before = len(data)
    _add_super_types(data, _superclasses(ontology))
    for membership in set(data.subjects(RDF.type, ORG.Membership)):
        for member in data.objects(membership, ORG.member):
            for organisation in data.objects(membership, ORG.organization):
                data.add((organisation, ORG.hasMember, member))
    for forward, backward in INVERSE_PAIRS:
        for s, o in list(data.subject_objects(forward)):
            data.add((o, backward, s))
        for s, o in list(data.subject_objects(backward)):
            data.add((o, forward, s))
    return len(data) - before


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


def materialise_in_store(store: OxStore, graph: str, ontology: Graph) -> None:
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
            f"WHERE {{ VALUES (?c ?sup) {{ {values} }} GRAPH {g} {{ ?s a ?c }} }}"
        )
    store.update(
        f"INSERT {{ GRAPH {g} {{ ?o <{ORG.hasMember}> ?m }} }} WHERE {{ GRAPH {g} {{ "
        f"?x a <{ORG.Membership}> ; <{ORG.member}> ?m ; <{ORG.organization}> ?o }} }}"
    )
    for forward, backward in INVERSE_PAIRS:
        for p, q in ((forward, backward), (backward, forward)):
            store.update(
                f"INSERT {{ GRAPH {g} {{ ?o <{q}> ?s }} }} WHERE {{ GRAPH {g} {{ ?s <{p}> ?o }} }}"
            )
