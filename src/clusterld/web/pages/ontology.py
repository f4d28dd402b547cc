"""The ontology as documentation for people: every term, its labels, its place among standards.

For the Linked Data server: ``/ontology`` in a browser renders ``templates/ontology.html``
(extends ``base.html``) with :func:`page`, machine formats keep the usual negotiation.
:func:`document` builds the template's context without Flask (``href`` maps an IRI to the
link a page should use; by default the IRI itself), so it is tested as a plain function.

For each class and property the page shows the Russian and English label and comment, the
standard terms it refines (``rdfs:subClassOf`` / ``rdfs:subPropertyOf`` targets), domains
and ranges, and one example from the data, so a reader sees how the term is really used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, VANN
from rdflib.term import Node

from clusterld.dataset.labels import label, local_name, term_label
from clusterld.dataset.store import Store
from clusterld.i18n import LANGUAGES, pick
from clusterld.namespaces import STANDARD_PREFIXES
from clusterld.web.addresses import Address

Href = Callable[[str], str]

WORDS: dict[str, tuple[str, str]] = {
    # key: (Russian, English)
    "classes": ("Классы", "Classes"),
    "properties": ("Свойства", "Properties"),
    "subclass_of": ("Подкласс", "Subclass of"),
    "subproperty_of": ("Подсвойство", "Subproperty of"),
    "subclasses": ("Подклассы", "Subclasses"),
    "domain": ("Область определения", "Domain"),
    "range": ("Область значений", "Range"),
    "used_with": ("Свойства этого класса", "Properties of this class"),
    "example": ("Пример из данных", "Example from the data"),
    "instances": ("Экземпляров в данных", "Instances in the data"),
    "vocabularies": ("Используемые словари", "Vocabularies reused"),
    "version": ("Версия", "Version"),
    "license": ("Лицензия", "Licence"),
    "issued": ("Дата выпуска", "Issued"),
    "namespace": ("Пространство имён", "Namespace"),
    "prefix": ("Префикс", "Prefix"),
    "formats": ("Машиночитаемые форматы", "Machine-readable formats"),
}


def words(lang: str) -> dict[str, str]:
    return pick(WORDS, lang)


def document(store: Store, lang: str, *, href: Href = str) -> dict[str, Any]:
    """The template context of the ontology page in ``lang`` (labels always in ru and en)."""
    ontology, iri = store.ontology, store.iris.ontology
    writer = _Writer(store, lang, href)
    own = f"{iri}#"
    classes = sorted(
        (c for c in set(ontology.subjects(RDF.type, OWL.Class)) if str(c).startswith(own)),
        key=writer.sort_key,
    )
    properties = sorted(
        (p for p in set(ontology.subjects(RDF.type, None)) if _is_property(ontology, p, own)),
        key=writer.sort_key,
    )
    return {
        "iri": str(iri),
        "title": _texts(ontology, iri, DCTERMS.title).get(lang) or label(ontology, iri, lang),
        "comments": _in_order(_texts(ontology, iri, RDFS.comment), lang),
        "version": str(ontology.value(iri, OWL.versionInfo) or ""),
        "issued": str(ontology.value(iri, DCTERMS.issued) or ""),
        "license": writer.link(ontology.value(iri, DCTERMS.license)),
        "prefix": str(ontology.value(iri, VANN.preferredNamespacePrefix) or ""),
        "namespace": own,
        "vocabularies": writer.vocabularies([*classes, *properties]),
        "classes": [writer.term(c, is_class=True) for c in classes],
        "properties": [writer.term(p, is_class=False) for p in properties],
    }


def page(store: Store, graph: Graph, topic: URIRef, lang: str, address: Address) -> str:
    """The HTML of ``/ontology``: the site's page frame around :func:`document`."""
    from clusterld.web.pages.resources import (
        Page,  # the site's page frame (language links, formats)
    )

    frame = Page(store, graph, lang, address)
    context = document(store, lang, href=lambda iri: frame.href(URIRef(iri)))
    return frame.render(
        "ontology.html", title=context["title"], topic=topic, doc=context, w=words(lang)
    )


class _Writer:
    """Turns terms into small dictionaries of labels and links for the template."""

    def __init__(self, store: Store, lang: str, href: Href) -> None:
        self.store, self.lang, self.href = store, lang, href
        self.graph = store.union  # labels of standard terms come from labels.py's table

    def sort_key(self, term: Node) -> tuple[str, str]:
        return (term_label(self.graph, term, self.lang).casefold(), str(term))

    def link(self, node: Node | None) -> dict[str, str] | None:
        if node is None:
            return None
        if isinstance(node, Literal):
            return {"text": str(node), "href": "", "iri": ""}
        return {
            "text": term_label(self.graph, node, self.lang),
            "href": self.href(str(node)),
            "iri": str(node),
            "curie": self.curie(str(node)),
        }

    def links(self, nodes: Any) -> list[dict[str, str]]:
        found = [self.link(n) for n in sorted(set(nodes), key=str)]
        return [link for link in found if link is not None]

    def curie(self, iri: str) -> str:
        for prefix, namespace in self.store.iris.prefixes().items():
            if iri.startswith(str(namespace)) and len(iri) > len(str(namespace)):
                return f"{prefix}:{iri[len(str(namespace)) :]}"
        return iri

    def term(self, term: Node, *, is_class: bool) -> dict[str, Any]:
        ontology, data = self.store.ontology, self.store.data
        parent = RDFS.subClassOf if is_class else RDFS.subPropertyOf
        entry: dict[str, Any] = {
            "anchor": local_name(str(term)),
            "iri": str(term),
            "curie": self.curie(str(term)),
            "labels": _in_order(_texts(ontology, term, RDFS.label), self.lang),
            "comments": _in_order(_texts(ontology, term, RDFS.comment), self.lang),
            "types": self.links(ontology.objects(term, RDF.type)),
            "parents": self.links(ontology.objects(term, parent)),
            "children": self.links(ontology.subjects(parent, term)),
            "domains": self.links(ontology.objects(term, RDFS.domain)),
            "ranges": self.links(ontology.objects(term, RDFS.range)),
        }
        if is_class:
            instances = sorted({s for s in data.subjects(RDF.type, term) if isinstance(s, URIRef)})
            entry["instance_count"] = len(instances)
            entry["example"] = self.link(instances[0]) if instances else None
            entry["used_with"] = self.links(ontology.subjects(RDFS.domain, term))
        else:
            uses = sorted(data.subject_objects(term), key=lambda pair: (str(pair[0]), str(pair[1])))
            entry["example"] = (
                {"subject": self.instance(uses[0][0]), "object": self.instance(uses[0][1])}
                if uses
                else None
            )
            entry["use_count"] = len(uses)
        return entry

    def instance(self, node: Node) -> dict[str, str]:
        """A resource of the data, named by its own label (not a term label)."""
        return {"text": label(self.graph, node, self.lang), "href": self.href(str(node))}

    def vocabularies(self, terms: list[Node]) -> list[dict[str, str]]:
        """The standard namespaces the ontology builds on, with their usual prefixes."""
        ontology = self.store.ontology
        targets = {
            str(o)
            for term in terms
            for p in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range)
            for o in ontology.objects(term, p)
        }
        targets |= {str(o) for o in ontology.objects(self.store.iris.ontology, RDFS.seeAlso)}
        found = {}
        for prefix, namespace in STANDARD_PREFIXES.items():
            if any(t.startswith(str(namespace)) for t in targets):
                found[str(namespace)] = prefix
        return [{"prefix": p, "namespace": ns, "href": ns} for ns, p in sorted(found.items())]


def _is_property(graph: Graph, term: Node, own: str) -> bool:
    kinds = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}
    return str(term).startswith(own) and any((term, RDF.type, kind) in graph for kind in kinds)


def _texts(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    return {
        value.language or "": str(value)
        for value in graph.objects(subject, predicate)
        if isinstance(value, Literal)
    }


def _in_order(texts: dict[str, str], lang: str) -> list[dict[str, str]]:
    """Texts with the reader's language first, then the others (ru and en are both shown)."""
    order = [lang, *(code for code in LANGUAGES if code != lang)]
    ordered = [code for code in order if code in texts] + sorted(set(texts) - set(order))
    return [{"lang": code, "text": texts[code]} for code in ordered]
