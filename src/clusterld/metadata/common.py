"""What the VoID, DCAT and schema.org descriptions share: settings, URLs, vocabularies, helpers.

The controlled vocabularies are the ones DCAT-AP 3.0.1 requires (§Controlled Vocabularies):
IANA media types, the EU file-type, language, data-theme, frequency, access-right,
planned-availability and distribution-status authority tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from clusterld.dataset.store import Store
from clusterld.errors import ConfigError
from clusterld.namespaces import STANDARD_PREFIXES

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # open: rdflib's closed DCAT lacks DCAT 3 terms
DCATAP = Namespace("http://data.europa.eu/r5r/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
W3C_FORMATS = Namespace("http://www.w3.org/ns/formats/")

PREFIXES: dict[str, Namespace] = {
    **STANDARD_PREFIXES,
    "dcat": DCAT,
    "dcatap": DCATAP,
    "adms": ADMS,
    "spdx": SPDX,
    "vcard": VCARD,
}

THEMES = (URIRef(f"{EU}data-theme/EDUC"), URIRef(f"{EU}data-theme/ECON"))
THEME_TAXONOMY = URIRef(f"{EU}data-theme")
LANGUAGES = {"ru": URIRef(f"{EU}language/RUS"), "en": URIRef(f"{EU}language/ENG")}
"""DCAT-AP accepts languages from the EU language table only (not, e.g., id.loc.gov's ISO 639)."""
PUBLIC_ACCESS = URIRef(f"{EU}access-right/PUBLIC")
STABLE = URIRef(f"{EU}planned-availability/STABLE")
COMPLETED = URIRef(f"{EU}distribution-status/COMPLETED")
ADMS_STATUS = "http://purl.org/adms/status/"
ADMS_COMPLETED = URIRef(f"{ADMS_STATUS}Completed")
"""DCAT-AP 2.1.1 takes a distribution's ``adms:status`` from ADMS, 3.x from the EU table."""
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
SHA256 = SPDX.checksumAlgorithm_sha256
SHA1 = SPDX.checksumAlgorithm_sha1

CONCEPT_LABELS: dict[URIRef, dict[str, str]] = {
    # The official labels of every concept the catalog may name, from the EU authority tables
    # and the ADMS vocabularies (which give no Russian labels).  DCAT-AP wants a skos:prefLabel
    # on every skos:Concept, and validators that do not load those lists see only the catalog.
    URIRef(f"{EU}data-theme/ECON"): {"en": "Economy and finance"},
    URIRef(f"{EU}data-theme/EDUC"): {"en": "Education, culture and sport"},
    COMPLETED: {"en": "Completed"},
    STABLE: {"en": "stable"},
    ADMS_COMPLETED: {"en": "Completed"},
    ATTRIBUTION: {"en": "Attribution"},
    **{
        URIRef(ADMS_PUBLISHER_TYPE + code): {"en": text}
        for code, text in (
            ("Academia-ScientificOrganisation", "Academia/Scientific organisation"),
            ("Company", "Company"),
            ("IndustryConsortium", "Industry consortium"),
            ("LocalAuthority", "Local Authority"),
            ("NationalAuthority", "National authority"),
            ("NonGovernmentalOrganisation", "Non-Governmental Organisation"),
            ("NonProfitOrganisation", "Non-Profit Organisation"),
            ("PrivateIndividual(s)", "Private Individual(s)"),
            ("RegionalAuthority", "Regional authority"),
            ("StandardisationBody", "Standardisation body"),
            ("SupraNationalAuthority", "Supra-national authority"),
        )
    },
}

FILE_TYPES: dict[str, URIRef] = {
    # Format.name -> EU file-type authority IRI
    "turtle": URIRef(f"{EU}file-type/RDF_TURTLE"),
    "json-ld": URIRef(f"{EU}file-type/JSON_LD"),
    "n-triples": URIRef(f"{EU}file-type/RDF_N_TRIPLES"),
    "rdf-xml": URIRef(f"{EU}file-type/RDF_XML"),
}
W3C_FORMAT_IRIS: dict[str, URIRef] = {
    # Format.name -> W3C's IRI for the format (void:feature, dct:conformsTo of a dump)
    "turtle": W3C_FORMATS.Turtle,
    "json-ld": W3C_FORMATS["JSON-LD"],
    "n-triples": W3C_FORMATS["N-Triples"],
    "rdf-xml": W3C_FORMATS.RDF_XML,
}
SPARQL_STANDARDS = (
    URIRef("https://www.w3.org/TR/sparql11-protocol/"),
    URIRef("https://www.w3.org/TR/sparql11-query/"),
)

GENERIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "ru": ("образовательно-отраслевой кластер", "профессиональное образование", "связанные данные"),
    "en": ("education-industry cluster", "vocational education", "Linked Open Data"),
}


def media_type_iri(media_type: str) -> URIRef:
    """The IANA register's IRI of a media type, as DCAT-AP wants for ``dcat:mediaType``."""
    return URIRef(IANA + media_type)


@dataclass(frozen=True)
class Profile:
    """What the data cannot say about its own publication: the publisher's settings."""

    publisher_name: str
    publisher_url: str | None
    publisher_type: str
    contact_email: str
    issued: date
    temporal_coverage: str
    update_frequency: str

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Profile:
        """Read the metadata settings (see :data:`clusterld.config.SETTINGS`).

        :raises ConfigError: a date or the temporal coverage is not ISO 8601.
        """
        issued = settings["DATASET_ISSUED"]
        publisher_type = str(settings["PUBLISHER_TYPE"])
        if URIRef(publisher_type) not in CONCEPT_LABELS or not publisher_type.startswith(
            ADMS_PUBLISHER_TYPE
        ):
            known = ", ".join(
                str(c)[len(ADMS_PUBLISHER_TYPE) :]
                for c in CONCEPT_LABELS
                if str(c).startswith(ADMS_PUBLISHER_TYPE)
            )
            raise ConfigError(
                f"PUBLISHER_TYPE must be an ADMS publisher type ({ADMS_PUBLISHER_TYPE}…), one "
                f"of: {known}; not {publisher_type!r}."
            )
        try:
            profile = cls(
                publisher_name=settings["PUBLISHER_NAME"],
                publisher_url=settings.get("PUBLISHER_URL") or None,
                publisher_type=publisher_type,
                contact_email=settings["CONTACT_EMAIL"],
                issued=issued if isinstance(issued, date) else date.fromisoformat(str(issued)),
                temporal_coverage=settings["TEMPORAL_COVERAGE"],
                update_frequency=settings["UPDATE_FREQUENCY"],
            )
            profile.temporal_bounds  # noqa: B018  (fail early on a malformed interval)
        except ValueError as error:
            raise ConfigError(
                "DATASET_ISSUED must be a date (2026-11-26) and TEMPORAL_COVERAGE an interval "
                f"of dates (2021-03-31/.. or 2021-01-01/2021-12-31): {error}"
            ) from None
        return profile

    @property
    def temporal_bounds(self) -> tuple[date | None, date | None]:
        """Start and end of the ISO 8601 interval ``start/end`` (``..`` leaves it open)."""
        start, _, end = self.temporal_coverage.partition("/")
        return _date_or_none(start), _date_or_none(end)

    @property
    def frequency(self) -> URIRef:
        return URIRef(f"{EU}frequency/{self.update_frequency}")


def _date_or_none(text: str) -> date | None:
    text = text.strip()
    return None if text in ("", "..") else date.fromisoformat(text)


@dataclass(frozen=True)
class SiteURLs:
    """The public URLs of the metadata, all under the base IRI (the server's public address).

    The one place that spells these paths; the blueprint answers at the same paths (a test
    checks ``url_for`` against them).  Nodes of the catalog itself get hash IRIs under
    ``/catalog``, so that they dereference and the catalog needs no blank nodes.
    """

    base: str

    @property
    def home(self) -> URIRef:
        return URIRef(self.base)

    @property
    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}catalog")

    @property
    def void(self) -> URIRef:
        return URIRef(f"{self.base}.well-known/void")

    @property
    def sparql(self) -> URIRef:
        return URIRef(f"{self.base}sparql")

    @property
    def sparql_service(self) -> URIRef:
        """The service at the endpoint: the ``sd:Service`` of its service description too."""
        return URIRef(f"{self.base}sparql#service")

    @property
    def sitemap(self) -> URIRef:
        return URIRef(f"{self.base}sitemap.xml")

    def dump(self, name: str) -> URIRef:
        return URIRef(f"{self.base}dumps/{name}")

    def node(self, name: str) -> URIRef:
        """A node of the catalog: ``publisher``, ``contact``, ``temporal``, ``dump-<file>``."""
        return URIRef(f"{self.base}catalog#{name}")


def new_graph() -> Graph:
    """An empty graph with the metadata vocabularies' prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    return graph


NOT_COPIED = (DCTERMS.source, DCTERMS.language)
"""What the data says of its dataset that VoID and DCAT-AP state their own way.

``dct:source``: in DCAT-AP, a *dataset* the dataset derives from; the data's source is a web
page, which the data also names with ``prov:wasDerivedFrom`` and ``prov:hadPrimarySource``.
``dct:language``: the data uses id.loc.gov's ISO 639-1 IRIs; DCAT-AP accepts only the EU
language table (:data:`LANGUAGES`).  The SPARQL metadata graph merges VoID and the catalog, so
both leave these out, or the merge would not conform to DCAT-AP.
"""


def copy_dataset_description(store: Store, target: Graph) -> None:
    """What the data says of its dataset, with the languages from the EU table (see above)."""
    dataset = store.iris.dataset
    for p, o in store.data.predicate_objects(dataset):
        if p not in NOT_COPIED:
            target.add((dataset, p, o))
    for language in LANGUAGES.values():
        target.add((dataset, DCTERMS.language, language))


def texts(graph: Graph, subject: URIRef, *predicates: URIRef) -> dict[str, str]:
    """Texts of ``subject`` by language tag, from the first of ``predicates`` that has any."""
    for predicate in predicates:
        found = {
            value.language: str(value)
            for value in sorted(graph.objects(subject, predicate), key=str)
            if isinstance(value, Literal) and value.language
        }
        if found:
            return found
    return {}


def add_texts(graph: Graph, subject: URIRef, predicate: URIRef, values: Mapping[str, str]) -> None:
    for lang, text in values.items():
        graph.add((subject, predicate, Literal(text, lang=lang)))


def typed(graph: Graph, node: URIRef, cls: URIRef) -> URIRef:
    """``node``, after stating its class (DCAT-AP checks the class of every value)."""
    graph.add((node, RDF.type, cls))
    return node


def labelled_concept(graph: Graph, node: URIRef) -> URIRef:
    """``node`` as a ``skos:Concept`` with its official labels (DCAT-AP wants a label on each).

    Which table a concept belongs to (``skos:inScheme``) is left to the tables themselves:
    harvesters load them, and stating it here would oblige the catalog to describe each table.
    """
    typed(graph, node, SKOS.Concept)
    add_texts(graph, node, SKOS.prefLabel, CONCEPT_LABELS.get(node, {}))
    return node


def date_literal(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def modified_literal(store: Store) -> Literal:
    """When this version was loaded: changes with every (re)load, as the ETags do."""
    return Literal(store.loaded_at.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def keywords(store: Store) -> dict[str, list[str]]:
    """Keywords per language: generic ones, then the places and the industries the data names."""
    found: dict[str, list[str]] = {lang: list(words) for lang, words in GENERIC_KEYWORDS.items()}
    places = sorted(store.data.objects(store.iris.dataset, DCTERMS.spatial), key=str)
    industries = sorted(set(store.data.objects(None, store.iris.term["industry"])), key=str)
    for concept in (*places, *industries):
        for value in sorted(store.data.objects(concept, SKOS.prefLabel), key=str):
            if isinstance(value, Literal) and value.language in found:
                words = found[value.language]
                if str(value) not in words:
                    words.append(str(value))
    return found
