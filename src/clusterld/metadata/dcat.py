"""The DCAT catalog, with the mandatory and recommended properties of DCAT-AP 3.0.1 or 2.1.1.

``dcat:Catalog`` → three ``dcat:Dataset`` (the data ``{base}id/dataset``, the ontology, the
shapes) → one ``dcat:Distribution`` per dump file, with its media type, file type, byte size
and checksum; and a ``dcat:DataService`` for the SPARQL endpoint.  Every value from a
controlled vocabulary is typed with the class DCAT-AP expects and every concept carries its
official label, so a harvester's SHACL validation passes even without the vocabularies.

The two releases differ only in the distributions (see :func:`add_distribution`); the official
shapes of each release are run on the output by the tests (``tests/data/dcat-ap/``).

What the data says of its own dataset is copied, except ``dct:source`` and ``dct:language``,
which DCAT-AP reads differently (see :data:`clusterld.metadata.common.NOT_COPIED`).
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from clusterld.dataset.store import Store
from clusterld.metadata.common import (
    ADMS,
    ADMS_COMPLETED,
    ATTRIBUTION,
    COMPLETED,
    DCAT,
    DCATAP,
    FILE_TYPES,
    GENERIC_KEYWORDS,
    LANGUAGES,
    PUBLIC_ACCESS,
    SHA1,
    SHA256,
    SPARQL_STANDARDS,
    SPDX,
    STABLE,
    THEME_TAXONOMY,
    THEMES,
    VCARD,
    W3C_FORMAT_IRIS,
    Profile,
    SiteURLs,
    add_texts,
    copy_dataset_description,
    date_literal,
    keywords,
    labelled_concept,
    media_type_iri,
    modified_literal,
    new_graph,
    texts,
    typed,
)
from clusterld.metadata.dumps import DUMPS, PARTS, Dump, DumpFile, dump_files, part_graph
from clusterld.metadata.profiles import DCAT_AP_2, DCAT_AP_3, MetadataProfile

CATALOG_TITLE = {"ru": "Каталог данных ClusterLD", "en": "ClusterLD data catalogue"}
CATALOG_DESCRIPTION = {
    "ru": "Наборы данных, которые публикует этот сервер ClusterLD: {title}, онтология ClusterLD "
    "и формы SHACL, которым соответствуют данные; выгрузки и точка доступа SPARQL.",
    "en": "The datasets this ClusterLD server publishes: {title}, the ClusterLD ontology and "
    "the SHACL shapes the data conforms to; dumps and a SPARQL endpoint.",
}
SERVICE_TITLE = {"ru": "Точка доступа SPARQL ClusterLD", "en": "ClusterLD SPARQL endpoint"}
SERVICE_DESCRIPTION = {
    "ru": "Точка доступа SPARQL 1.1 только для чтения: запросы к данным, онтологии, формам "
    "и метаданным.",
    "en": "A read-only SPARQL 1.1 endpoint over the data, the ontology, the shapes and the "
    "metadata.",
}
DUMP_DESCRIPTION = {
    "ru": "Полная выгрузка «{title}» в формате {format}.",
    "en": "The whole of “{title}” as one {format} file.",
}
GZIP_NOTE = {"ru": ", сжатая gzip", "en": ", gzip-compressed"}


def build_catalog(store: Store, profile: Profile, ap: MetadataProfile = DCAT_AP_3) -> Graph:
    """The DCAT graph of this store version, conforming to DCAT-AP release ``ap``."""
    if ap not in (DCAT_AP_3, DCAT_AP_2):
        raise ValueError(f"the catalog is not offered in the profile {ap.uri}")
    urls = SiteURLs(store.base)
    graph = new_graph()
    catalog = typed(graph, urls.catalog, DCAT.Catalog)
    data_title = texts(store.data, store.iris.dataset, DCTERMS.title)
    add_texts(graph, catalog, DCTERMS.title, CATALOG_TITLE)
    add_texts(
        graph,
        catalog,
        DCTERMS.description,
        {
            lang: text.format(title=data_title.get(lang, ""))
            for lang, text in CATALOG_DESCRIPTION.items()
        },
    )
    add_agents(graph, urls, profile)
    add_common(graph, store, urls, profile, catalog)
    add_spatial(graph, store, catalog)
    graph.add((catalog, FOAF.homepage, urls.home))
    graph.add((catalog, DCAT.themeTaxonomy, typed(graph, THEME_TAXONOMY, SKOS.ConceptScheme)))
    add_texts(graph, THEME_TAXONOMY, DCTERMS.title, {"en": "Data theme"})
    files = dump_files(store)
    for part in PARTS:
        dataset = add_dataset(graph, store, urls, profile, part)
        graph.add((catalog, DCAT.dataset, dataset))
        for dump in DUMPS:
            if dump.part == part:
                distribution = add_distribution(graph, urls, files[dump.name], dataset, ap)
                graph.add((dataset, DCAT.distribution, distribution))
    graph.add((catalog, DCAT.service, add_service(graph, store, urls, profile)))
    return graph


def add_agents(graph: Graph, urls: SiteURLs, profile: Profile) -> None:
    """The publisher (``foaf:Agent``) and the contact point (``vcard:Kind``)."""
    publisher = typed(graph, urls.node("publisher"), FOAF.Agent)
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(profile.publisher_name)))
    graph.add((publisher, DCTERMS.type, labelled_concept(graph, URIRef(profile.publisher_type))))
    graph.add((publisher, FOAF.homepage, URIRef(profile.publisher_url or urls.home)))
    graph.add((publisher, FOAF.mbox, URIRef(f"mailto:{profile.contact_email}")))
    contact = typed(graph, urls.node("contact"), VCARD.Kind)
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(profile.publisher_name)))
    graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{profile.contact_email}")))
    graph.add((contact, VCARD.hasURL, URIRef(profile.publisher_url or urls.home)))


def add_common(graph: Graph, store: Store, urls: SiteURLs, profile: Profile, node: URIRef) -> None:
    """What the catalog, the datasets and the service all state: who, where, languages, licence."""
    graph.add((node, DCTERMS.publisher, urls.node("publisher")))
    for lang in LANGUAGES:
        graph.add((node, DCTERMS.language, typed(graph, LANGUAGES[lang], DCTERMS.LinguisticSystem)))
    for licence in store.data.objects(store.iris.dataset, DCTERMS.license):
        graph.add((node, DCTERMS.license, typed(graph, licence, DCTERMS.LicenseDocument)))  # type: ignore[arg-type]
        graph.add((licence, DCTERMS.type, labelled_concept(graph, ATTRIBUTION)))
    graph.add((node, DCTERMS.issued, date_literal(profile.issued)))
    graph.add((node, DCTERMS.modified, modified_literal(store)))


def add_spatial(graph: Graph, store: Store, node: URIRef) -> None:
    """The places the data names for the dataset, and what they match (e.g. GeoNames)."""
    for place in store.data.objects(store.iris.dataset, DCTERMS.spatial):
        graph.add((node, DCTERMS.spatial, typed(graph, place, DCTERMS.Location)))  # type: ignore[arg-type]
        for match in store.data.objects(place, SKOS.exactMatch):
            graph.add((node, DCTERMS.spatial, typed(graph, match, DCTERMS.Location)))  # type: ignore[arg-type]


def add_dataset(graph: Graph, store: Store, urls: SiteURLs, profile: Profile, part: str) -> URIRef:
    """One ``dcat:Dataset``: the data (described by the data itself), the ontology or the shapes."""
    source = part_graph(store, part)
    subject = {
        "data": store.iris.dataset,
        "ontology": store.iris.ontology,
        "shapes": store.iris.shapes,
    }[part]
    typed(graph, subject, DCAT.Dataset)
    if part == "data":
        copy_dataset_description(store, graph)
        for standard in store.data.objects(subject, DCTERMS.conformsTo):
            # the shapes: a dcat:Dataset of this catalog, and the standard the data meets
            graph.add((subject, DCTERMS.conformsTo, typed(graph, standard, DCTERMS.Standard)))  # type: ignore[arg-type]
        for place in store.data.objects(subject, DCTERMS.spatial):
            for p, o in store.data.predicate_objects(place):
                graph.add((place, p, o))
        graph.add((subject, DCAT.landingPage, typed(graph, urls.home, FOAF.Document)))
        add_spatial(graph, store, subject)
        add_temporal(graph, urls, profile, subject)
        graph.add((subject, DCAT.version, Literal(store.version)))
    else:
        add_texts(graph, subject, DCTERMS.title, texts(source, subject, DCTERMS.title, RDFS.label))
        add_texts(graph, subject, DCTERMS.description, texts(source, subject, RDFS.comment))
        # the page that documents it here: the shapes' own IRI, the ontology's local copy
        page = store.iris.ontology_document if part == "ontology" else subject
        graph.add((subject, DCAT.landingPage, typed(graph, page, FOAF.Document)))
        for version in source.objects(subject, OWL.versionInfo):
            graph.add((subject, DCAT.version, Literal(str(version))))
    add_common(graph, store, urls, profile, subject)
    graph.add((subject, DCTERMS.identifier, Literal(str(subject), datatype=XSD.anyURI)))
    graph.add((subject, DCAT.contactPoint, urls.node("contact")))
    graph.add((subject, DCTERMS.accessRights, typed(graph, PUBLIC_ACCESS, DCTERMS.RightsStatement)))
    graph.add(
        (subject, DCTERMS.accrualPeriodicity, typed(graph, profile.frequency, DCTERMS.Frequency))
    )
    for theme in THEMES:
        graph.add((subject, DCAT.theme, labelled_concept(graph, theme)))
        graph.add((theme, SKOS.inScheme, THEME_TAXONOMY))
    for lang, words in keywords(store).items():
        for word in words:
            graph.add((subject, DCAT.keyword, Literal(word, lang=lang)))
    return subject


def add_temporal(graph: Graph, urls: SiteURLs, profile: Profile, dataset: URIRef) -> None:
    start, end = profile.temporal_bounds
    period = typed(graph, urls.node("temporal"), DCTERMS.PeriodOfTime)
    graph.add((dataset, DCTERMS.temporal, period))
    if start:
        graph.add((period, DCAT.startDate, date_literal(start)))
    if end:
        graph.add((period, DCAT.endDate, date_literal(end)))


def add_distribution(
    graph: Graph, urls: SiteURLs, file: DumpFile, dataset: URIRef, ap: MetadataProfile
) -> URIRef:
    """One dump file of ``dataset``: where to get it, what it is, its size and checksum, licence.

    DCAT-AP 2.1.1 wants the byte size as ``xsd:decimal``, a SHA-1 checksum (its shapes accept no
    other algorithm) and the status from ADMS; 3.x a ``xsd:nonNegativeInteger``, any SPDX
    algorithm (SHA-256 here) and the EU distribution-status table.
    """
    version_2 = ap == DCAT_AP_2
    dump: Dump = file.dump
    distribution = typed(graph, urls.node(f"dump-{dump.name}"), DCAT.Distribution)
    url = urls.dump(dump.name)
    title = texts(graph, dataset, DCTERMS.title)
    for licence in graph.objects(dataset, DCTERMS.license):
        graph.add((distribution, DCTERMS.license, licence))
    for lang, dataset_title in title.items():
        fmt = dump.format.label + GZIP_NOTE[lang] * dump.gzipped
        graph.add((distribution, DCTERMS.title, Literal(f"{dataset_title} — {fmt}", lang=lang)))
        text = DUMP_DESCRIPTION[lang].format(title=dataset_title, format=fmt)
        graph.add((distribution, DCTERMS.description, Literal(text, lang=lang)))
    graph.add((distribution, DCAT.accessURL, url))
    graph.add((distribution, DCAT.downloadURL, url))
    media_type = typed(graph, media_type_iri(dump.format.media_type), DCTERMS.MediaType)
    graph.add((distribution, DCAT.mediaType, media_type))
    graph.add(
        (
            distribution,
            DCTERMS["format"],
            typed(graph, FILE_TYPES[dump.format.name], DCTERMS.MediaTypeOrExtent),
        )
    )
    if dump.gzipped:
        gzip_type = typed(graph, media_type_iri(dump.media_type), DCTERMS.MediaType)
        graph.add((distribution, DCAT.compressFormat, gzip_type))
    graph.add(
        (
            distribution,
            DCTERMS.conformsTo,
            typed(graph, W3C_FORMAT_IRIS[dump.format.name], DCTERMS.Standard),
        )
    )
    size_type = XSD.decimal if version_2 else XSD.nonNegativeInteger
    graph.add((distribution, DCAT.byteSize, Literal(str(file.byte_size), datatype=size_type)))
    checksum = typed(graph, urls.node(f"checksum-{dump.name}"), SPDX.Checksum)
    algorithm, value = (SHA1, file.sha1) if version_2 else (SHA256, file.sha256)
    graph.add((distribution, SPDX.checksum, checksum))
    graph.add((checksum, SPDX.algorithm, typed(graph, algorithm, SPDX.ChecksumAlgorithm)))
    graph.add((checksum, SPDX.checksumValue, Literal(value, datatype=XSD.hexBinary)))
    graph.add((distribution, DCATAP.availability, labelled_concept(graph, STABLE)))
    status = ADMS_COMPLETED if version_2 else COMPLETED
    graph.add((distribution, ADMS.status, labelled_concept(graph, status)))
    return distribution


def add_service(graph: Graph, store: Store, urls: SiteURLs, profile: Profile) -> URIRef:
    """The SPARQL endpoint as a ``dcat:DataService`` serving the three datasets."""
    service = typed(graph, urls.sparql_service, DCAT.DataService)
    add_texts(graph, service, DCTERMS.title, SERVICE_TITLE)
    add_texts(graph, service, DCTERMS.description, SERVICE_DESCRIPTION)
    graph.add((service, DCAT.endpointURL, urls.sparql))
    graph.add((service, DCAT.endpointDescription, urls.sparql))
    for standard in SPARQL_STANDARDS:
        graph.add((service, DCTERMS.conformsTo, typed(graph, standard, DCTERMS.Standard)))
    add_common(graph, store, urls, profile, service)
    graph.add((service, DCAT.contactPoint, urls.node("contact")))
    graph.add((service, DCTERMS.accessRights, PUBLIC_ACCESS))
    for dataset in (store.iris.dataset, store.iris.ontology, store.iris.shapes):
        graph.add((service, DCAT.servesDataset, dataset))
    for theme in THEMES:
        graph.add((service, DCAT.theme, theme))
    for lang, words in GENERIC_KEYWORDS.items():
        for word in (*words, "SPARQL"):
            graph.add((service, DCAT.keyword, Literal(word, lang=lang)))
    return service
