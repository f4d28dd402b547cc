"""Namespaces and the IRI scheme: the one place where ClusterLD mints IRIs.

The files in ``ontology/``, ``data/`` and ``shapes/`` are written under one placeholder
base, :data:`SOURCE_BASE`.  When they are loaded, every IRI under that base is rewritten to
the base the dataset is published under (see :func:`clusterld.dataset.loading.rebase`), so the same
files serve any host.  Standard vocabularies keep their own, fixed namespaces.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

SOURCE_BASE = "https://clusterld.example/tomsk/"
"""The base IRI that the shipped files are written with."""

ORG = Namespace("http://www.w3.org/ns/org#")
ROV = Namespace("http://www.w3.org/ns/regorg#")
SCHEMA = Namespace("http://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
CC = Namespace("http://creativecommons.org/ns#")

STANDARD_PREFIXES: dict[str, Namespace] = {
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "dcterms": Namespace(str(DCTERMS)),
    "dcat": Namespace(str(DCAT)),
    "foaf": Namespace(str(FOAF)),
    "prov": Namespace(str(PROV)),
    "sh": Namespace(str(SH)),
    "void": Namespace(str(VOID)),
    "org": ORG,
    "rov": ROV,
    "schema": SCHEMA,
    "vann": VANN,
    "cc": CC,
}


@dataclass(frozen=True)
class IRIScheme:
    """The IRIs of one published dataset, all under one base.

    One pattern for each kind of thing: ``{base}id/{kind}/{slug}`` for things,
    ``{base}ontology#{Term}`` for the vocabulary and ``{base}shapes#{Shape}`` for shapes.
    """

    base: str

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            raise ValueError(f"a base IRI must end with '/' or '#': {self.base!r}")

    @property
    def ontology(self) -> URIRef:
        return URIRef(f"{self.base}ontology")

    @property
    def term(self) -> Namespace:
        """Namespace of the ClusterLD ontology's own terms (prefix ``cld:``)."""
        return Namespace(f"{self.base}ontology#")

    @property
    def shapes(self) -> URIRef:
        return URIRef(f"{self.base}shapes")

    @property
    def dataset(self) -> URIRef:
        return URIRef(f"{self.base}id/dataset")

    def thing(self, kind: str, slug: str) -> URIRef:
        """The IRI of a thing, e.g. ``thing("cluster", "industrial")``."""
        return URIRef(f"{self.base}id/{kind}/{slug}")

    def prefixes(self) -> dict[str, Namespace]:
        """Prefixes for serialising this dataset: the standard ones and its own."""
        own = {
            "cld": self.term,
            "cluster": Namespace(f"{self.base}id/cluster/"),
            "orgs": Namespace(f"{self.base}id/org/"),
            "membership": Namespace(f"{self.base}id/membership/"),
        }
        return {**STANDARD_PREFIXES, **own}
