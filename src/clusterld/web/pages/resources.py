"""HTML pages for people: what each template shows, in the reader's language.

Builders turn graphs into small values (links, rows of property values) so that templates
stay simple.  Every link to a resource of the dataset points to its page on this server
(built with ``url_for``), keeping the reader's explicit language choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template
from markupsafe import Markup
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS
from rdflib.term import Node

from clusterld.dataset.describe import Description
from clusterld.dataset.labels import label, literal_label, local_name, term_label
from clusterld.dataset.members import Member, members_by_role
from clusterld.dataset.store import Store
from clusterld.formats import DOCUMENT_FORMATS
from clusterld.i18n import LANGUAGES, translator
from clusterld.web.addresses import Address, local_address
from clusterld.web.language import language_is_explicit

MAX_NESTING = 4
"""How deep blank nodes (e.g. SHACL property shapes) are shown inside a value."""


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    iri: str = ""
    lang: str | None = None


@dataclass(frozen=True)
class Value:
    text: str
    href: str | None = None
    lang: str | None = None
    note: str | None = None
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    predicate: Link
    values: list[Value]


class Page:
    """Shared pieces of every page: words, language links, formats, embedded JSON-LD."""

    def __init__(self, store: Store, graph: Graph, lang: str, address: Address) -> None:
        self.store, self.graph, self.lang, self.address = store, graph, lang, address
        self.query = {"lang": lang} if language_is_explicit() else {}

    def href(self, node: Node) -> str:
        """Where a link to ``node`` goes: its page here, else the IRI itself."""
        address = local_address(self.store.base, str(node))
        return address.url(**self.query) if address else str(node)

    def link(self, node: Node) -> Link:
        text = label(self.store.union, node, self.lang)
        return Link(text, self.href(node), str(node))

    def class_link(self, cls: URIRef) -> Link:
        text = term_label(self.store.union, cls, self.lang)
        address = class_address(self.store, cls)
        href = address.url(**self.query) if address else self.href(cls)
        return Link(text, href, str(cls))

    def render(self, template: str, *, title: str, topic: Node | None, **context: object) -> str:
        from clusterld.web.render import jsonld_text

        other = next(code for code in LANGUAGES if code != self.lang)
        script = jsonld_text(
            self.graph, self.store, first=topic if isinstance(topic, URIRef) else None
        )
        return render_template(
            template,
            t=translator(self.lang),
            lang=self.lang,
            other_lang=other,
            switch_url=self.address.url(lang=other),
            title=title,
            formats=[(f, self.address.url(f)) for f in DOCUMENT_FORMATS],
            jsonld=embed_json(script),
            iri=str(topic) if topic is not None else None,
            **context,
        )

    def rows(self, subject: Node, *, skip: tuple[URIRef, ...] = (), depth: int = 0) -> list[Row]:
        """The properties of ``subject`` grouped by property, named by their labels."""
        grouped: dict[URIRef, list[Node]] = {}
        for p, o in self.graph.predicate_objects(subject):
            if p not in skip and isinstance(p, URIRef):
                grouped.setdefault(p, []).append(o)
        rows = [Row(self.term(p), self.values(values, depth)) for p, values in grouped.items()]
        return sorted(rows, key=lambda row: (row.predicate.text.casefold(), row.predicate.iri))

    def incoming(self, subject: URIRef) -> list[Row]:
        """The links into ``subject``, grouped by property."""
        grouped: dict[URIRef, list[Node]] = {}
        for s, p in self.graph.subject_predicates(subject):
            # the page's own document (foaf:primaryTopic) is this page, not a link into it
            own_document = p == FOAF.primaryTopic
            if (
                isinstance(s, URIRef)
                and s != subject
                and isinstance(p, URIRef)
                and not own_document
            ):
                grouped.setdefault(p, []).append(s)
        rows = [Row(self.term(p), self.values(nodes, 0)) for p, nodes in grouped.items()]
        return sorted(rows, key=lambda row: row.predicate.text.casefold())

    def term(self, predicate: URIRef) -> Link:
        text = term_label(self.store.union, predicate, self.lang)
        return Link(text, self.href(predicate), str(predicate))

    def values(self, nodes: list[Node], depth: int) -> list[Value]:
        literals = [n for n in nodes if isinstance(n, Literal)]
        mine = [n for n in literals if n.language == self.lang]
        if mine and len(mine) < len(literals):  # show the reader's language when we have it
            nodes = [
                n for n in nodes if not isinstance(n, Literal) or n.language in (None, self.lang)
            ]
        shown = [self.value(node, depth) for node in nodes]
        return sorted(shown, key=lambda v: (v.text.casefold(), v.href or ""))

    def value(self, node: Node, depth: int) -> Value:
        if isinstance(node, Literal):
            note = node.language or (local_name(str(node.datatype)) if node.datatype else None)
            return Value(str(node), lang=node.language, note=note)
        if isinstance(node, BNode):
            rows = self.rows(node, depth=depth + 1) if depth < MAX_NESTING else []
            return Value("", rows=rows)
        return Value(label(self.store.union, node, self.lang), self.href(node), note=None)


def embed_json(text: str) -> Markup:
    """JSON safe inside ``<script>``: no ``<`` can end the element (``\\u003c`` in JSON)."""
    return Markup(text.replace("<", "\\u003c"))


def class_address(store: Store, cls: URIRef) -> Address | None:
    """The class page of ``cls`` when the class has a prefix of the dataset."""
    for prefix, namespace in store.iris.prefixes().items():
        name = str(cls)[len(str(namespace)) :]
        if str(cls).startswith(str(namespace)) and name and "/" not in name and "#" not in name:
            return Address(
                "resources.class_page", {"prefix": prefix, "name": name}, suffix_key="name"
            )
    return None


def thing_page(
    store: Store, description: Description, graph: Graph, lang: str, address: Address
) -> str:
    page = Page(store, graph, lang, address)
    subject = description.subject
    types = sorted(
        (page.class_link(t) for t in graph.objects(subject, RDF.type) if isinstance(t, URIRef)),
        key=lambda link: link.text.casefold(),
    )
    groups = members_by_role(store.membership_graph(subject), store.iris, subject, lang)
    more = address.url(incoming="all", **page.query) if description.truncated else None
    return page.render(
        "resource.html",
        title=label(store.union, subject, lang),
        topic=subject,
        types=types,
        rows=page.rows(subject, skip=(RDF.type,)),
        incoming=page.incoming(subject),
        incoming_total=description.incoming_total,
        more_url=more,
        groups=[(page.link(g.role), [_member(page, m) for m in g.members]) for g in groups],
    )


def _member(page: Page, member: Member) -> tuple[Link, list[Link], list[Link]]:
    """A member, the organisations it joined through, and its own members."""
    via = [page.link(v) for v in member.via]
    return page.link(member.organisation), via, [page.link(m) for m in member.members]


def graph_page(store: Store, graph: Graph, topic: URIRef, lang: str, address: Address) -> str:
    """A whole named graph (`/graph/<name>`): its header, then one section per subject."""
    page = Page(store, graph, lang, address)
    terms = sorted(
        (s for s in set(graph.subjects()) if isinstance(s, URIRef) and s != topic),
        key=lambda s: (_kind_order(graph, s), label(graph, s, lang).casefold()),
    )
    sections = [
        {
            "anchor": str(term).rpartition("#")[2],
            "title": label(graph, term, lang),
            "iri": str(term),
            "types": [
                page.class_link(t) for t in graph.objects(term, RDF.type) if isinstance(t, URIRef)
            ],
            "rows": page.rows(term, skip=(RDF.type,)),
            "instances": _instances_link(page, term),
        }
        for term in terms
    ]
    return page.render(
        "vocabulary.html",
        title=label(graph, topic, lang),
        topic=topic,
        rows=page.rows(topic, skip=(RDF.type,)),
        sections=sections,
    )


def class_page(
    store: Store,
    graph: Graph,
    cls: URIRef,
    lang: str,
    address: Address,
    *,
    page: int = 1,
    last: int = 1,
) -> str:
    view = Page(store, graph, lang, address)
    instances = sorted(
        (view.link(s) for s in graph.subjects(RDF.type, cls)), key=lambda link: link.text.casefold()
    )
    definition = local_address(store.base, str(cls))
    values = {k: v for k, v in address.values.items() if k != "page"}

    def page_url(number: int) -> str:
        query = {"page": str(number)} if number > 1 else {}
        return Address(address.endpoint, {**values, **query}, suffix_key="name").url(**view.query)

    return view.render(
        "class.html",
        title=term_label(store.union, cls, lang),
        topic=cls,
        instances=instances,
        count=store.instance_count(cls) or len(instances),
        page=page,
        last=last,
        previous=page_url(page - 1) if page > 1 else None,
        next=page_url(page + 1) if page < last else None,
        definition=view.href(cls) if definition else str(cls),
    )


HOME_CLUSTERS = 100
"""Clusters listed on the home page (in the source's order); the class page lists them all."""


def home_page(store: Store, graph: Graph, lang: str, address: Address) -> str:
    page = Page(store, graph, lang, address)
    union = store.union
    clusters = [
        {
            "cluster": page.link(row.cluster),
            "notation": str(union.value(row.cluster, SKOS.notation) or ""),
            "industries": [page.link(i) for i in row.industries],
            "leads": [page.link(o) for o in row.leads],
            "member_count": row.member_count,
        }
        for row in store.cluster_rows(limit=HOME_CLUSTERS)
    ]
    cluster_count = store.instance_count(store.iris.term.EducationIndustryCluster)
    classes = sorted(
        (
            (page.class_link(cls), store.instance_count(cls))
            for cls in map(URIRef, store.manifest.statistics["classes"])  # classes of the data
            if class_address(store, cls)
        ),
        key=lambda pair: pair[0].text.casefold(),
    )
    dataset = store.iris.dataset
    schemes = sorted(
        (page.link(s) for s in union.subjects(RDF.type, SKOS.ConceptScheme)),
        key=lambda link: link.text.casefold(),
    )
    return page.render(
        "home.html",
        title=literal_label(union, dataset, lang) or "ClusterLD",
        topic=dataset,
        description=_text(union, dataset, lang),
        clusters=clusters,
        cluster_count=cluster_count,
        all_clusters=page.class_link(store.iris.term.EducationIndustryCluster),
        classes=classes,
        schemes=schemes,
        dataset=page.link(dataset),
        ontology=page.link(store.iris.ontology),
        shapes=page.link(store.iris.shapes),
    )


def _text(graph: Graph, node: URIRef, lang: str) -> str | None:
    texts = {
        o.language: str(o)
        for o in graph.objects(node, DCTERMS.description)
        if isinstance(o, Literal)
    }
    return texts.get(lang) or texts.get("en")


def _kind_order(graph: Graph, term: URIRef) -> int:
    types = {str(t).rpartition("#")[2] for t in graph.objects(term, RDF.type)}
    for rank, kind in enumerate(("Class", "ObjectProperty", "NodeShape", "PropertyShape")):
        if kind in types:
            return rank
    return 9


def _instances_link(page: Page, term: URIRef) -> Link | None:
    address = class_address(page.store, term)
    count = page.store.instance_count(term)  # counted when the version was published
    if address is None or not count:
        return None
    return Link(f"{count}", address.url(**page.query), str(term))
