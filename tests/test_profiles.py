"""Content negotiation by profile (W3C dx-prof-conneg) on ``/catalog`` and the VoID description.

A harvester gets DCAT-AP 3 by default and DCAT-AP 2.1.1 when it asks, by the ``Accept-Profile``
header or by ``?_profile=`` (token or URI); the answer names its profile (``Content-Profile``,
``Link rel="profile"``), lists the others (``Link rel="type"`` token mappings, ``rel="alternate"``
links, ``?_profile=alt``), varies on ``Accept-Profile`` with an ETag per profile, and a profile
that is not offered gets ``406`` with the list.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from clusterld.dataset.store import Store, get_holder
from clusterld.errors import InputError, NotAcceptable
from clusterld.metadata.common import DCAT, SPDX
from clusterld.metadata.profiles import ALTERNATES, ALTR, DCAT_AP_2, DCAT_AP_3, PROF, VOID
from clusterld.web.profiles import choose_profile, parse_accept_profile
from dcat_ap import official_report
from html_check import check_html

V3 = DCAT_AP_3.uri
V2 = DCAT_AP_2.uri


@pytest.fixture(scope="module")
def store(app: Flask) -> Store:
    return get_holder(app).store


def links(response: Any) -> list[tuple[str, dict[str, str]]]:
    """The ``Link`` header as (target, parameters) pairs."""
    found = []
    for target, params in re.findall(r"<([^>]*)>((?:\s*;\s*[^,;]+)*)", response.headers["Link"]):
        found.append((target, dict(re.findall(r'(\w+)="([^"]*)"', params))))
    return found


def catalog_of(response: Any) -> Graph:
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def byte_size_types(graph: Graph) -> set[URIRef | None]:
    return {o.datatype for o in graph.objects(None, DCAT.byteSize) if isinstance(o, Literal)}


# --- parsing and choosing ------------------------------------------------------------------


def test_accept_profile_is_read_best_first() -> None:
    header = f"<urn:a>;q=0.2, <{V2}>, dcat-ap-3;q=0.5, *;q=0"
    assert parse_accept_profile(header) == [(V2, 1.0), ("dcat-ap-3", 0.5), ("urn:a", 0.2), ("*", 0)]


@pytest.mark.parametrize(
    "header", ["<urn:a", "<urn:a>; q=0.5 <urn:b>", "<urn:a>,,<<b>", "<urn:a>;q=2", "<urn:a>;q"]
)
def test_an_unreadable_accept_profile_is_a_clear_error(header: str) -> None:
    with pytest.raises(InputError, match=r"^Accept-Profile\b"):
        parse_accept_profile(header)


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        (None, None, DCAT_AP_3),  # the default
        ("", f"<{V2}>", DCAT_AP_2),  # an empty ?_profile= leaves it to the header
        (None, "", DCAT_AP_3),
        (None, "*", DCAT_AP_3),
        ("dcat-ap-2", None, DCAT_AP_2),
        (V2, None, DCAT_AP_2),
        ("http://data.europa.eu/r5r/", None, DCAT_AP_3),  # DCAT-AP, any release: the current
        (None, f"<{V2}>", DCAT_AP_2),
        (None, f"<urn:unknown>, <{V2}>;q=0.4", DCAT_AP_2),  # the best one that is offered
        (None, f"<{V2}>;q=0.4, <{V3}>;q=0.9", DCAT_AP_3),
        ("dcat-ap-3", f"<{V2}>", DCAT_AP_3),  # the query string wins over the header
        ("alt", None, ALTERNATES),
        (None, f"<{ALTERNATES.uri}>", ALTERNATES),
    ],
)
def test_choose_profile(query: str | None, header: str | None, expected: Any) -> None:
    assert choose_profile((DCAT_AP_3, DCAT_AP_2), query, header) is expected


@pytest.mark.parametrize(
    ("query", "header"), [("dcat-ap-9", None), (None, "<urn:unknown>"), (None, f"<{V2}>;q=0")]
)
def test_a_profile_not_offered_is_not_acceptable(query: str | None, header: str | None) -> None:
    with pytest.raises(NotAcceptable, match="dcat-ap-3.*dcat-ap-2"):
        choose_profile((DCAT_AP_3, DCAT_AP_2), query, header)


# --- over HTTP -----------------------------------------------------------------------------


def test_the_default_profile_is_dcat_ap_3(client: FlaskClient) -> None:
    response = client.get("/catalog")
    assert response.status_code == 200
    assert response.headers["Content-Profile"] == f"<{V3}>"
    assert (V3, {"rel": "profile"}) in links(response)
    graph = catalog_of(response)
    assert byte_size_types(graph) == {XSD.nonNegativeInteger}
    assert set(graph.objects(None, SPDX.algorithm)) == {SPDX.checksumAlgorithm_sha256}


@pytest.mark.parametrize(
    "headers, query",
    [
        ({"Accept-Profile": f"<{V2}>"}, ""),
        ({"Accept-Profile": f"<urn:x>;q=0.9, <{V2}>;q=0.5"}, ""),
        ({}, "?_profile=dcat-ap-2"),
        ({}, "?_profile=https%3A%2F%2Fsemiceu.github.io%2FDCAT-AP%2Freleases%2F2.1.1"),
    ],
    ids=["header", "header-q", "query-token", "query-uri"],
)
def test_dcat_ap_2_on_request(client: FlaskClient, headers: dict[str, str], query: str) -> None:
    response = client.get(f"/catalog{query}", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Profile"] == f"<{V2}>"
    assert (V2, {"rel": "profile"}) in links(response)
    graph = catalog_of(response)
    assert byte_size_types(graph) == {XSD.decimal}
    assert set(graph.objects(None, SPDX.algorithm)) == {SPDX.checksumAlgorithm_sha1}
    assert set(graph.objects(None, URIRef("http://www.w3.org/ns/adms#status"))) == {
        URIRef("http://purl.org/adms/status/Completed")
    }


@pytest.mark.parametrize(
    "headers, query",
    [({"Accept-Profile": f"<{V3}>"}, ""), ({}, "?_profile=dcat-ap-3")],
    ids=["header", "query"],
)
def test_dcat_ap_3_on_request(client: FlaskClient, headers: dict[str, str], query: str) -> None:
    response = client.get(f"/catalog{query}", headers=headers)
    assert response.headers["Content-Profile"] == f"<{V3}>"
    assert response.data == client.get("/catalog").data


def test_header_and_query_string_give_the_same_representation(client: FlaskClient) -> None:
    by_header = client.get("/catalog", headers={"Accept-Profile": f"<{V2}>"})
    by_query = client.get("/catalog?_profile=dcat-ap-2")
    assert by_header.data == by_query.data
    assert by_header.headers["ETag"] == by_query.headers["ETag"]
    assert by_header.headers["Content-Location"] == "/catalog.ttl?_profile=dcat-ap-2"


def test_each_profile_has_its_own_etag(client: FlaskClient) -> None:
    v3 = client.get("/catalog")
    v2 = client.get("/catalog?_profile=dcat-ap-2")
    assert v3.headers["ETag"] != v2.headers["ETag"]
    # a cache holding the DCAT-AP 3 answer must not be told that it is the DCAT-AP 2 one
    revalidated = client.get(
        "/catalog", headers={"Accept-Profile": f"<{V2}>", "If-None-Match": v3.headers["ETag"]}
    )
    assert revalidated.status_code == 200
    same = client.get("/catalog?_profile=dcat-ap-2", headers={"If-None-Match": v2.headers["ETag"]})
    assert same.status_code == 304


@pytest.mark.parametrize("path", ["/catalog", "/catalog.jsonld", "/.well-known/void"])
def test_answers_vary_on_accept_and_accept_profile(client: FlaskClient, path: str) -> None:
    vary = {v.strip() for v in client.get(path).headers["Vary"].split(",")}
    assert {"Accept", "Accept-Profile"} <= vary


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_every_answer_lists_the_profiles_on_offer(client: FlaskClient, method: str) -> None:
    response = client.open("/catalog", method=method)
    found = links(response)
    tokens = {
        params["anchor"]: params["token"]
        for target, params in found
        if params.get("rel") == "type" and target == str(PROF.Profile)
    }
    assert tokens == {V3: "dcat-ap-3", V2: "dcat-ap-2", ALTERNATES.uri: "alt"}
    alternates = {params["profile"]: target for target, params in found if "profile" in params}
    assert alternates == {
        V2: "/catalog?_profile=dcat-ap-2",
        ALTERNATES.uri: "/catalog?_profile=alt",
    }


@pytest.mark.parametrize(
    "headers, query", [({}, "?_profile=alt"), ({"Accept-Profile": f"<{ALTERNATES.uri}>"}, "")]
)
def test_the_list_of_profiles_and_formats(
    client: FlaskClient, store: Store, headers: dict[str, str], query: str
) -> None:
    response = client.get(f"/catalog{query}", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Profile"] == f"<{ALTERNATES.uri}>"
    graph = catalog_of(response)
    catalog = URIRef(f"{store.base}catalog")
    representations = set(graph.objects(catalog, ALTR.hasRepresentation))
    (default,) = graph.objects(catalog, ALTR.hasDefaultRepresentation)
    representations.add(default)
    offered = {
        (str(graph.value(r, DCTERMS.conformsTo)), str(graph.value(r, DCTERMS["format"])))
        for r in representations
    }
    media_types = {"text/turtle", "application/ld+json", "application/n-triples"}
    assert {(V3, m) for m in media_types} | {(V2, m) for m in media_types} <= offered
    assert (
        graph.value(default, DCTERMS.conformsTo),
        str(graph.value(default, DCTERMS["format"])),
    ) == (
        URIRef(V3),
        "text/turtle",
    )
    assert graph.value(URIRef(V2), PROF.hasToken) == Literal("dcat-ap-2")
    # each listed representation answers in its profile and format
    for representation in list(representations)[:4]:
        path = str(representation)[len(store.base) - 1 :]
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.mimetype == str(graph.value(representation, DCTERMS["format"]))
        if answer.mimetype != "text/html":
            assert (
                answer.headers["Content-Profile"]
                == f"<{graph.value(representation, DCTERMS.conformsTo)}>"
            )


def test_the_list_of_profiles_is_a_page_for_people(client: FlaskClient) -> None:
    response = client.get("/catalog?_profile=alt", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    check_html(page)
    assert "<title>Profiles and formats: ClusterLD data catalogue" in page
    assert "dcat-ap-2" in page
    russian = client.get("/catalog?_profile=alt&lang=ru", headers={"Accept": "text/html"})
    assert "<title>Профили и форматы: Каталог данных ClusterLD" in russian.get_data(as_text=True)


@pytest.mark.parametrize(
    "headers, query",
    [
        ({}, "?_profile=dcat-ap-9"),
        ({"Accept-Profile": "<urn:example:profile:unknown>"}, ""),
        ({"Accept-Profile": f"<{V2}>;q=0"}, ""),
    ],
)
def test_an_unknown_profile_is_not_acceptable(
    client: FlaskClient, headers: dict[str, str], query: str
) -> None:
    response = client.get(f"/catalog{query}", headers={**headers, "Accept": "application/json"})
    assert response.status_code == 406
    detail = response.get_json()["detail"]
    for profile in (DCAT_AP_3, DCAT_AP_2):
        assert profile.token in detail and profile.uri in detail
    assert "Content-Profile" not in response.headers
    assert {params["token"] for _, params in links(response)} == {"dcat-ap-3", "dcat-ap-2", "alt"}
    assert "Accept-Profile" in response.headers["Vary"]


def test_an_unreadable_accept_profile_is_a_400(client: FlaskClient) -> None:
    response = client.get("/catalog", headers={"Accept-Profile": "<urn:a"})
    assert response.status_code == 400
    assert "Accept-Profile must list profile URIs" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
    ],
)
def test_mediatype_in_the_query_string(client: FlaskClient, media_type: str, expected: str) -> None:
    response = client.get(
        "/catalog", query_string={"_profile": "dcat-ap-2", "_mediatype": media_type}
    )
    assert response.mimetype == expected
    assert response.headers["Content-Profile"] == f"<{V2}>"
    unknown = client.get("/catalog", query_string={"_mediatype": "image/png"})
    assert unknown.status_code == 406


def test_the_dcat_ap_2_checksums_are_the_sha1_of_the_dumps(client: FlaskClient) -> None:
    graph = catalog_of(client.get("/catalog?_profile=dcat-ap-2"))
    distributions = list(graph.subjects(RDF.type, DCAT.Distribution))
    assert len(distributions) == 15
    for distribution in distributions:
        url = str(graph.value(distribution, DCAT.downloadURL))
        body = client.get(url[len("http://localhost") :]).data
        checksum = graph.value(distribution, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha1(body).hexdigest()
        size = graph.value(distribution, DCAT.byteSize)
        assert isinstance(size, Literal) and size.datatype == XSD.decimal
        assert size.toPython() == len(body)


def test_the_dcat_ap_2_answer_conforms_to_the_official_2_1_1_shapes(client: FlaskClient) -> None:
    graph = catalog_of(client.get("/catalog", headers={"Accept-Profile": f"<{V2}>"}))
    _, violations = official_report(graph, release="2.1.1")
    assert not violations, [(v.focus_node, v.path) for v in violations]


def test_the_void_description_is_offered_in_void_only(client: FlaskClient) -> None:
    response = client.get("/.well-known/void")
    assert response.headers["Content-Profile"] == f"<{VOID.uri}>"
    assert client.get("/.well-known/void?_profile=void").data == response.data
    refused = client.get("/.well-known/void", headers={"Accept-Profile": f"<{V2}>"})
    assert refused.status_code == 406
    assert "void" in refused.get_data(as_text=True)
    listing = catalog_of(client.get("/.well-known/void?_profile=alt"))
    assert {str(p) for p in listing.subjects(PROF.hasToken, None)} == {VOID.uri}


def test_turtle_uses_the_conventional_prefixes(client: FlaskClient) -> None:
    text = client.get("/catalog").get_data(as_text=True)
    for prefix, namespace in (
        ("spdx", "http://spdx.org/rdf/terms#"),
        ("vcard", "http://www.w3.org/2006/vcard/ns#"),
        ("dcatap", "http://data.europa.eu/r5r/"),
        ("adms", "http://www.w3.org/ns/adms#"),
    ):
        assert f"@prefix {prefix}: <{namespace}> ." in text
    assert not re.search(r"@prefix ns\d+:", text)
    listing = client.get("/catalog?_profile=alt").get_data(as_text=True)
    assert "@prefix altr: <http://www.w3.org/ns/dx/connegp/altr#> ." in listing
