"""Who belongs to what: memberships grouped by role, and the clusters' summary rows.

Memberships (``org:Membership``) are the source of these facts; the shortcut properties
(``org:hasMember``, ``cld:leadOrganisation``) are only used where no membership says more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from clusterld.dataset.labels import label
from clusterld.namespaces import ORG, IRIScheme


@dataclass(frozen=True)
class Member:
    organisation: URIRef
    via: tuple[URIRef, ...] = ()
    members: tuple[URIRef, ...] = ()
    """The member's own members (e.g. the enterprises of an employers' union)."""


@dataclass(frozen=True)
class RoleGroup:
    role: URIRef
    members: list[Member] = field(default_factory=list)


@dataclass(frozen=True)
class ClusterRow:
    cluster: URIRef
    industries: tuple[URIRef, ...]
    leads: tuple[URIRef, ...]
    member_count: int


def memberships(graph: Graph, organisation: URIRef) -> list[URIRef]:
    """The memberships in ``organisation``."""
    return sorted(
        m
        for m in graph.subjects(ORG.organization, organisation)
        if isinstance(m, URIRef) and (m, RDF.type, ORG.Membership) in graph
    )


def member_organisations(graph: Graph, organisation: URIRef) -> list[URIRef]:
    """The distinct members of ``organisation`` (by its memberships)."""
    found = {graph.value(m, ORG.member) for m in memberships(graph, organisation)}
    return sorted(m for m in found if isinstance(m, URIRef))


def members_by_role(
    graph: Graph, iris: IRIScheme, organisation: URIRef, lang: str
) -> list[RoleGroup]:
    """The members of ``organisation`` grouped by role, lead roles first, then by name."""
    groups: dict[URIRef, RoleGroup] = {}
    for membership in memberships(graph, organisation):
        member = graph.value(membership, ORG.member)
        if not isinstance(member, URIRef):
            continue
        via = _uris(graph.objects(membership, iris.term.viaOrganisation))
        entry = Member(member, via, tuple(member_organisations(graph, member)))
        for role in graph.objects(membership, ORG.role):
            if isinstance(role, URIRef):
                groups.setdefault(role, RoleGroup(role)).members.append(entry)
    for group in groups.values():
        group.members.sort(key=lambda m: label(graph, m.organisation, lang).casefold())
    return sorted(groups.values(), key=lambda g: _role_rank(graph, g.role, lang))


def cluster_rows(graph: Graph, iris: IRIScheme, *, limit: int | None = None) -> list[ClusterRow]:
    """The clusters in their order in the source (``skos:notation``), the first ``limit``."""
    clusters = [
        cluster
        for cluster in graph.subjects(RDF.type, iris.term.EducationIndustryCluster)
        if isinstance(cluster, URIRef)
    ]
    clusters.sort(key=lambda cluster: (_notation(graph, cluster), str(cluster)))
    return [
        ClusterRow(
            cluster,
            _uris(graph.objects(cluster, iris.term.industry)),
            _uris(graph.objects(cluster, iris.term.leadOrganisation)),
            len(member_organisations(graph, cluster)),
        )
        for cluster in clusters[:limit]
    ]


def _uris(nodes: object) -> tuple[URIRef, ...]:
    return tuple(sorted(n for n in nodes if isinstance(n, URIRef)))  # type: ignore[attr-defined]


def _notation(graph: Graph, node: URIRef) -> tuple[int, str]:
    value = graph.value(node, SKOS.notation)
    return notation_key(str(value) if isinstance(value, Literal) else "")


def notation_key(text: str) -> tuple[int, str]:
    """Order by ``skos:notation``: numbers as numbers, first; then the rest as text."""
    return (int(text), text) if text.isdigit() else (10**9, text)


def _role_rank(graph: Graph, role: URIRef, lang: str) -> tuple[bool, str]:
    return (str(graph.value(role, SKOS.notation)) != "lead", label(graph, role, lang).casefold())
