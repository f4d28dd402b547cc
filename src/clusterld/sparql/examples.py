"""The example queries, kept as data in ``sparql/queries/*.rq``, for the UI, docs and metadata.

Each file starts with a header of comment lines ``# title@en: ...``, ``# title@ru: ...``,
``# description@en: ...`` and ``# description@ru: ...``, then the query.  Like the dataset
files, the queries are written under the placeholder base
(:data:`clusterld.namespaces.SOURCE_BASE`) and rebased to the published one when loaded, so
the same files work on any host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH

from clusterld.namespaces import SOURCE_BASE
from clusterld.sparql.syntax import scan

EXECUTABLE_CLASSES = {
    "SELECT": (SH.SPARQLSelectExecutable, SH.select),
    "ASK": (SH.SPARQLAskExecutable, SH.ask),
    "CONSTRUCT": (SH.SPARQLConstructExecutable, SH.construct),
}
"""SHACL-AF's executables by query form (it has none for DESCRIBE)."""

_HEADER = re.compile(r"#\s*(title|description)@([a-z]{2})\s*:\s*(.+)")


@dataclass(frozen=True)
class ExampleQuery:
    """One example query with its bilingual title and description."""

    slug: str
    text: str
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)

    @property
    def form(self) -> str | None:
        """SELECT, ASK, CONSTRUCT or DESCRIBE."""
        return scan(self.text).form


def parse_example(slug: str, text: str) -> ExampleQuery:
    """Read the header of one ``.rq`` file.

    :raises ValueError: the header lacks a title or description in Russian or English.
    """
    fields: dict[str, dict[str, str]] = {"title": {}, "description": {}}
    for line in text.splitlines():
        match = _HEADER.fullmatch(line.strip())
        if match:
            fields[match.group(1)][match.group(2)] = match.group(3).strip()
    for name, values in fields.items():
        missing = {"en", "ru"} - set(values)
        if missing:
            raise ValueError(f"{slug}.rq: no {name} in {', '.join(sorted(missing))}")
    return ExampleQuery(slug, text, fields["title"], fields["description"])


def example_queries(base: str = SOURCE_BASE) -> tuple[ExampleQuery, ...]:
    """The example queries in file-name order, with IRIs under ``base``."""
    folder = resources.files("clusterld.sparql") / "queries"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            text = entry.read_text(encoding="utf-8").replace(SOURCE_BASE, base)
            slug = re.sub(r"^\d+-", "", entry.name.removesuffix(".rq"))
            found.append(parse_example(slug, text))
    return tuple(found)


def examples_graph(base: str, endpoint: str) -> Graph:
    """The example queries as RDF, for the dataset's metadata to publish.

    Each is a SHACL ``sh:SPARQLSelectExecutable`` (or ASK/CONSTRUCT) named
    ``<{endpoint}#example-{slug}>``, with its text in ``sh:select``, its ru/en title and
    description as ``rdfs:label`` and ``rdfs:comment``, and ``dcterms:isPartOf`` the endpoint.
    A DESCRIBE example, for which SHACL has no class, is left out.
    """
    graph = Graph()
    graph.bind("sh", SH)
    for example in example_queries(base):
        node = URIRef(f"{endpoint}#example-{example.slug}")
        if example.form not in EXECUTABLE_CLASSES:
            continue
        kind, text_property = EXECUTABLE_CLASSES[example.form]
        graph.add((node, RDF.type, kind))
        graph.add((node, text_property, Literal(example.text)))
        graph.add((node, DCTERMS.isPartOf, URIRef(endpoint)))
        for lang in ("en", "ru"):
            graph.add((node, RDFS.label, Literal(example.title[lang], lang=lang)))
            graph.add((node, RDFS.comment, Literal(example.description[lang], lang=lang)))
    return graph
