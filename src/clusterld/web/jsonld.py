"""JSON-LD that portals can read as plain JSON: short keys through one published context.

:func:`context` is the context served at ``/context.jsonld``; :func:`from_graph` writes a
graph as a flat ``@graph`` of node objects whose keys are the context's terms.  A value
that does not fit its term's definition (say, an untagged ``rdfs:label``) is written under
the property's compact IRI instead, so the document always expands, in any JSON-LD 1.1
processor, to exactly the triples of the graph.  Typed literals keep their lexical form
(no native JSON numbers), so nothing is lost in a round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

TEXT, LINK, PLAIN = "text", "link", "plain"
"""Kinds of term: language-tagged text (a language map), a link to a resource, a string."""

TERMS: tuple[tuple[str, str, str], ...] = (
    ("label", "rdfs:label", TEXT),
    ("prefLabel", "skos:prefLabel", TEXT),
    ("altLabel", "skos:altLabel", TEXT),
    ("hiddenLabel", "skos:hiddenLabel", TEXT),
    ("legalName", "rov:legalName", TEXT),
    ("title", "dcterms:title", TEXT),
    ("description", "dcterms:description", TEXT),
    ("comment", "rdfs:comment", TEXT),
    ("definition", "skos:definition", TEXT),
    ("editorialNote", "skos:editorialNote", TEXT),
    ("changeNote", "skos:changeNote", TEXT),
    ("creator", "dcterms:creator", TEXT),
    ("notation", "skos:notation", PLAIN),
    ("issued", "dcterms:issued", "xsd:date"),
    ("industry", "cld:industry", LINK),
    ("leadOrganisation", "cld:leadOrganisation", LINK),
    ("viaOrganisation", "cld:viaOrganisation", LINK),
    ("classification", "org:classification", LINK),
    ("hasMember", "org:hasMember", LINK),
    ("memberOf", "org:memberOf", LINK),
    ("member", "org:member", LINK),
    ("organization", "org:organization", LINK),
    ("role", "org:role", LINK),
    ("hasSubOrganization", "org:hasSubOrganization", LINK),
    ("subOrganizationOf", "org:subOrganizationOf", LINK),
    ("hasUnit", "org:hasUnit", LINK),
    ("unitOf", "org:unitOf", LINK),
    ("orgType", "rov:orgType", LINK),
    ("inScheme", "skos:inScheme", LINK),
    ("topConceptOf", "skos:topConceptOf", LINK),
    ("hasTopConcept", "skos:hasTopConcept", LINK),
    ("exactMatch", "skos:exactMatch", LINK),
    ("source", "dcterms:source", LINK),
    ("spatial", "dcterms:spatial", LINK),
    ("subject", "dcterms:subject", LINK),
    ("license", "dcterms:license", LINK),
    ("language", "dcterms:language", LINK),
    ("publisher", "dcterms:publisher", LINK),
    ("conformsTo", "dcterms:conformsTo", LINK),
    ("wasDerivedFrom", "prov:wasDerivedFrom", LINK),
    ("wasGeneratedBy", "prov:wasGeneratedBy", LINK),
    ("hadPrimarySource", "prov:hadPrimarySource", LINK),
    ("homepage", "foaf:homepage", LINK),
    ("page", "foaf:page", LINK),
    ("primaryTopic", "foaf:primaryTopic", LINK),
    ("url", "schema:url", LINK),
    ("parentOrganization", "schema:parentOrganization", LINK),
    ("subOrganization", "schema:subOrganization", LINK),
    ("inDataset", "void:inDataset", LINK),
    ("seeAlso", "rdfs:seeAlso", LINK),
    ("isDefinedBy", "rdfs:isDefinedBy", LINK),
    ("subClassOf", "rdfs:subClassOf", LINK),
    ("subPropertyOf", "rdfs:subPropertyOf", LINK),
    ("domain", "rdfs:domain", LINK),
    ("range", "rdfs:range", LINK),
)

CLASSES: tuple[tuple[str, str], ...] = (
    ("EducationIndustryCluster", "cld:EducationIndustryCluster"),
    ("ClusterCouncil", "cld:ClusterCouncil"),
    ("Roadmap", "cld:Roadmap"),
    ("RegionalProject", "cld:RegionalProject"),
    ("Organization", "org:Organization"),
    ("FormalOrganization", "org:FormalOrganization"),
    ("OrganizationalCollaboration", "org:OrganizationalCollaboration"),
    ("OrganizationalUnit", "org:OrganizationalUnit"),
    ("Membership", "org:Membership"),
    ("Role", "org:Role"),
    ("RegisteredOrganization", "rov:RegisteredOrganization"),
    ("Concept", "skos:Concept"),
    ("ConceptScheme", "skos:ConceptScheme"),
    ("Document", "foaf:Document"),
    ("Location", "dcterms:Location"),
)

Json = dict[str, Any]


def context(prefixes: Mapping[str, str]) -> Json:
    """The published context: the prefixes of the dataset, its terms and its classes."""
    body: Json = {"@version": 1.1, "id": "@id", "type": "@type"}
    body.update({prefix: str(namespace) for prefix, namespace in sorted(prefixes.items())})
    for name, curie, kind in TERMS:
        if kind == TEXT:
            body[name] = {"@id": curie, "@container": "@language"}
        elif kind == LINK:
            body[name] = {"@id": curie, "@type": "@id"}
        elif kind == PLAIN:
            body[name] = {"@id": curie}
        else:
            body[name] = {"@id": curie, "@type": kind}
    body.update(dict(CLASSES))
    return {"@context": body}


class Compactor:
    """Writes a graph with the keys of :func:`context`, falling back to compact IRIs."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))
        self.terms = {URIRef(self.expand(curie)): (name, kind) for name, curie, kind in TERMS}
        self.classes = {URIRef(self.expand(curie)): name for name, curie in CLASSES}

    def expand(self, curie: str) -> str:
        prefix, _, rest = curie.partition(":")
        return dict(self.prefixes)[prefix] + rest

    def compact(self, iri: str) -> str:
        """``prefix:name`` for an IRI under a prefix (with a safe name), else the IRI."""
        for prefix, namespace in self.prefixes:
            rest = iri[len(namespace) :]
            if iri.startswith(namespace) and rest and not rest.startswith("/") and ":" not in rest:
                return f"{prefix}:{rest}"
        return iri

    def node_id(self, node: Node) -> str:
        return f"_:{node}" if isinstance(node, BNode) else str(node)

    def datatype_key(self, datatype: URIRef) -> str:
        return self.compact(str(datatype))

    def key_and_value(self, predicate: URIRef, value: Node) -> tuple[str, Any, str | None]:
        """The key for ``value`` of ``predicate``, the JSON value, and its language-map key."""
        name, kind = self.terms.get(predicate, (None, None))
        fallback = self.compact(str(predicate))
        if isinstance(value, Literal):
            if value.language:
                if kind == TEXT:
                    return name, str(value), value.language  # type: ignore[return-value]
                return fallback, {"@value": str(value), "@language": value.language}, None
            if value.datatype is None:
                return (name if kind == PLAIN else fallback), str(value), None  # type: ignore[return-value]
            if kind not in (None, TEXT, LINK, PLAIN) and self.expand(kind) == str(value.datatype):
                return name, str(value), None  # type: ignore[return-value]
            return (
                fallback,
                {"@value": str(value), "@type": self.datatype_key(value.datatype)},
                None,
            )
        if kind == LINK:
            return name, self.node_id(value), None  # type: ignore[return-value]
        return fallback, {"@id": self.node_id(value)}, None


def context_iri(base: str) -> str:
    """Where the context is published: under the base, so that processors can fetch it."""
    return f"{base}context.jsonld"


def from_graph(
    graph: Graph, *, context_url: str, prefixes: Mapping[str, str], first: Node | None = None
) -> Json:
    """The JSON-LD document of ``graph``: ``{"@context": url, "@graph": [nodes]}``."""
    compactor = Compactor(prefixes)
    subjects = sorted(
        set(graph.subjects()), key=lambda s: (s != first, isinstance(s, BNode), str(s))
    )
    nodes = [_node(graph, compactor, subject) for subject in subjects]
    return {"@context": context_url, "@graph": nodes}


def _node(graph: Graph, compactor: Compactor, subject: Node) -> Json:
    node: Json = {"id": compactor.node_id(subject)}
    types = sorted(str(o) for o in graph.objects(subject, RDF.type) if isinstance(o, URIRef))
    if types:
        node["type"] = [compactor.classes.get(URIRef(t)) or compactor.compact(t) for t in types]
    for predicate, value in sorted(graph.predicate_objects(subject), key=_order):
        if predicate == RDF.type and isinstance(value, URIRef):
            continue
        key, json_value, language = compactor.key_and_value(predicate, value)  # type: ignore[arg-type]
        if language is not None:
            language_map = node.setdefault(key, {})
            _append(language_map, language, json_value)
        else:
            _append(node, key, json_value)
    return node


def _append(container: Json, key: str, value: Any) -> None:
    if key not in container:
        container[key] = value
    elif isinstance(container[key], list):
        container[key].append(value)
    else:
        container[key] = [container[key], value]


def _order(pair: tuple[Node, Node]) -> tuple[str, str, str]:
    predicate, value = pair
    language = value.language or "" if isinstance(value, Literal) else ""
    return (str(predicate), language, str(value))
