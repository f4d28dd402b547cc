"""The schema.org ``Dataset`` that Google Dataset Search reads from the home page.

Every property Google requires (``name``, ``description``) or recommends that the dataset
can honestly fill, taken from the same sources as the DCAT catalog (DCAT 3 §Alignment
with Schema.org): the data's own description of ``{base}id/dataset``, the settings, and
the dumps of this store version.
"""

from __future__ import annotations

from typing import Any

from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS

from clusterld.dataset.store import Store
from clusterld.metadata.common import Profile, SiteURLs, keywords, texts
from clusterld.metadata.dcat import CATALOG_TITLE
from clusterld.metadata.dumps import DUMPS, dump_files


def build_dataset(store: Store, profile: Profile, lang: str) -> dict[str, Any]:
    """The JSON-LD object of the ``Dataset``, with names and descriptions in ``lang``."""
    urls = SiteURLs(store.base)
    dataset = store.iris.dataset
    other = "ru" if lang == "en" else "en"
    title = texts(store.data, dataset, DCTERMS.title)
    description = texts(store.data, dataset, DCTERMS.description)
    words = keywords(store)
    organisation = {
        "@type": "Organization",
        "name": profile.publisher_name,
        "url": profile.publisher_url or str(urls.home),
        "email": profile.contact_email,
    }
    markup: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": str(dataset),
        "name": title.get(lang),
        "alternateName": title.get(other),
        "description": description.get(lang),
        "url": str(urls.home),
        "identifier": str(dataset),
        # the dataset's own IRI: the same thing in the data, VoID and the DCAT catalog
        "sameAs": str(dataset),
        "license": sorted(str(x) for x in store.data.objects(dataset, DCTERMS.license)),
        "isAccessibleForFree": True,
        "creator": organisation,
        "publisher": organisation,
        "keywords": words.get(lang, []) + words.get(other, []),
        "inLanguage": ["ru", "en"],
        "spatialCoverage": places(store, lang),
        "temporalCoverage": profile.temporal_coverage,
        "datePublished": profile.issued.isoformat(),
        "dateModified": store.loaded_at.replace(microsecond=0).isoformat(),
        "version": store.version,
        "isBasedOn": sources(store),
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": CATALOG_TITLE[lang],
            "url": str(urls.catalog),
        },
        "distribution": distributions(store, urls),
    }
    if len(markup["license"]) == 1:
        markup["license"] = markup["license"][0]
    return {key: value for key, value in markup.items() if value not in (None, [])}


def places(store: Store, lang: str) -> list[dict[str, Any]]:
    """``spatialCoverage``: each place the data names, with its label and its GeoNames match."""
    found = []
    for place in sorted(store.data.objects(store.iris.dataset, DCTERMS.spatial), key=str):
        labels = texts(store.data, place, SKOS.prefLabel, RDFS.label)  # type: ignore[arg-type]
        entry: dict[str, Any] = {"@type": "Place", "@id": str(place), "name": labels.get(lang)}
        matches = sorted(str(m) for m in store.data.objects(place, SKOS.exactMatch))
        if matches:
            entry["sameAs"] = matches
        found.append(entry)
    return found


def sources(store: Store) -> list[str]:
    """``isBasedOn``: the web pages of the dataset's sources."""
    pages = set()
    for source in store.data.objects(store.iris.dataset, DCTERMS.source):
        pages |= {str(page) for page in store.data.objects(source, FOAF.page)}
    return sorted(pages)


def distributions(store: Store, urls: SiteURLs) -> list[dict[str, Any]]:
    """``distribution``: every dump of the data, with the media type it is served with."""
    files = dump_files(store)
    return [
        {
            "@type": "DataDownload",
            "name": dump.name,
            "contentUrl": str(urls.dump(dump.name)),
            "encodingFormat": dump.media_type,
            "contentSize": f"{files[dump.name].byte_size} B",
            "sha256": files[dump.name].sha256,
        }
        for dump in DUMPS
        if dump.part == "data"
    ]
