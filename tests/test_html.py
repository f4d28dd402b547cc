"""HTML pages for people: bilingual, labelled by the ontology, accessible, self-contained."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient

from clusterld.web.pages.resources import embed_json
from html_check import check_html

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def page(client: FlaskClient, path: str, accept_language: str | None = None, **query: str) -> str:
    headers = {"Accept": BROWSER}
    if accept_language:
        headers["Accept-Language"] = accept_language
    response = client.get(path, headers=headers, query_string=query)
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    check_html(text)
    return text


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


CLUSTERS_EN = [
    (
        "Forest Industry Cluster",
        "forest industry",
        "Asino Technical School of Industry and Service",
        1,
    ),
    ("Industrial Cluster", "industry", "Tomsk Economic and Industrial College", 18),
    ("Construction Cluster", "construction", "Tomsk Communal Construction Technical School", 1),
]


def test_home_lists_the_nine_clusters(client: FlaskClient) -> None:
    html = page(client, "/", "en")
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)[1:]
    assert len(rows) == 9
    cells = [text_of(row) for row in rows]
    for cluster, industry, lead, members in CLUSTERS_EN:
        row = next(c for c in cells if f" {cluster} " in c)
        assert industry in row and lead in row
        assert row.strip().endswith(str(members))
    assert 'href="/doc/cluster/industrial"' in html


def test_home_in_russian(client: FlaskClient) -> None:
    html = page(client, "/", "ru-RU,ru;q=0.9,en;q=0.5")
    assert '<html lang="ru">' in html
    assert "Промышленный кластер" in html and "Томский экономико-промышленный колледж" in html
    assert "Отрасль" in html  # the interface speaks Russian too


@pytest.mark.parametrize(
    ("accept_language", "query", "lang"),
    [
        (None, {}, "en"),
        ("ru", {}, "ru"),
        ("de, ru;q=0.5", {}, "ru"),
        ("en-GB,en;q=0.9", {}, "en"),
        ("ru", {"lang": "en"}, "en"),  # the switch link wins over the browser
        ("en", {"lang": "ru"}, "ru"),
        ("en", {"lang": "fr"}, "en"),  # a language we do not speak is ignored
    ],
)
def test_language_choice(
    client: FlaskClient, accept_language: str | None, query: dict[str, str], lang: str
) -> None:
    html = page(client, "/doc/org/elesy", accept_language, **query)
    assert f'<html lang="{lang}">' in html


def test_language_switch_link_and_explicit_choice_is_kept(client: FlaskClient) -> None:
    html = page(client, "/doc/cluster/industrial", "en")
    assert 'class="lang-switch" href="/doc/cluster/industrial?lang=ru"' in html
    chosen = page(client, "/doc/cluster/industrial", "en", lang="ru")
    assert 'href="/doc/org/elesy?lang=ru"' in chosen  # links keep the reader's choice
    assert 'href="/doc/cluster/industrial?lang=en"' in chosen


def test_resource_page_shows_labels_types_and_properties(client: FlaskClient) -> None:
    html = page(client, "/doc/cluster/industrial", "ru")
    assert "<h1>Промышленный кластер</h1>" in html
    assert "образовательно-отраслевой кластер" in html  # type, by the ontology's label
    assert "имеет участника" in html  # org:hasMember, from the standard-term table
    assert "ведущая организация" in html  # cld:leadOrganisation, from the ontology
    assert "http://www.w3.org/ns/org#hasMember</" not in html  # no raw IRI as a name
    english = page(client, "/doc/cluster/industrial", "en")
    assert "has member" in english and "lead organisation" in english


def test_industrial_cluster_members_by_role_and_the_unions_members(client: FlaskClient) -> None:
    html = page(client, "/doc/cluster/industrial", "en")
    members = html[html.index('id="members-heading"') : html.index('id="properties-heading"')]
    roles = re.findall(r"<h3><a [^>]*>([^<]+)</a> <small class=\"count\">\((\d+)\)", members)
    assert roles == [("lead organisation", "1"), ("participant", "13"), ("partner", "5")]
    union = members[members.index("Union “MPO of Employers of Tomsk Oblast”</a>\n") :]
    assert "Its members (5)" in union
    for enterprise in ("EleSy", "NPC Polyus", "Tomsk Electrotechnical Plant"):
        assert enterprise in union
    assert "via" in members  # partners join through the union


def test_page_links_every_format_and_embeds_json_ld(client: FlaskClient) -> None:
    html = page(client, "/doc/org/elesy")
    for suffix, media_type in [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
    ]:
        assert f'<link rel="alternate" type="{media_type}" href="/doc/org/elesy.{suffix}"' in html
        assert f'href="/doc/org/elesy.{suffix}"' in html
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert script is not None
    assert json.loads(script.group(1))["@graph"][0]["id"] == "http://localhost/id/org/elesy"


def test_embedded_json_ld_cannot_close_the_script() -> None:
    text = json.dumps({"label": "</script><script>alert(1)</script>"})
    embedded = str(embed_json(text))
    assert "</script>" not in embedded and "<" not in embedded
    assert json.loads(embedded) == json.loads(text)


def test_accessible_structure(client: FlaskClient) -> None:
    html = page(client, "/", "en")
    assert html.index('class="skip-link" href="#content"') < html.index("<header")
    for landmark in ("<header", "<nav", '<main id="content"', "<footer"):
        assert landmark in html
    assert '<meta name="viewport"' in html
    assert 'aria-current="page"' in html
    assert re.search(r"<th scope=\"col\">", html)


def test_navigation_links(client: FlaskClient) -> None:
    html = page(client, "/doc/org/elesy", "en")
    nav = html[html.index('<ul class="nav">') : html.index("</ul>", html.index('<ul class="nav">'))]
    hrefs = re.findall(r'href="([^"]+)"', nav)
    assert hrefs == [
        "/",
        "/class/cld/EducationIndustryCluster",
        "/sparql",
        "/validate",
        "/catalog",
    ]


def test_no_external_resources(client: FlaskClient) -> None:
    for path in ("/", "/doc/cluster/industrial", "/ontology", "/class/skos/Concept"):
        html = page(client, path)
        assert not re.search(r'<(link|script|img)[^>]+(href|src)="(https?:)?//', html), path
    with client.get("/static/style.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
        stylesheet = css.get_data(as_text=True)
    assert "@import" not in stylesheet and "url(" not in stylesheet
    assert ":focus-visible" in stylesheet and "@media (max-width" in stylesheet


def test_class_page_lists_instances(client: FlaskClient) -> None:
    html = page(client, "/class/cld/EducationIndustryCluster", "en")
    assert "<h1>education-industry cluster</h1>" in html
    assert html.count('<li><a href="/doc/cluster/') == 9
    assert "9 in all" in html


def test_ontology_page_has_an_anchor_per_term(client: FlaskClient) -> None:
    html = page(client, "/ontology", "ru")
    for term in ("EducationIndustryCluster", "industry", "leadOrganisation", "viaOrganisation"):
        assert f'id="{term}"' in html
    assert "отрасль" in html
    assert 'href="/class/cld/EducationIndustryCluster' in html  # instances of the class


def test_incoming_links_are_shown_with_a_link_to_all(make_app: object) -> None:
    small = make_app(MAX_INCOMING_LINKS=3).test_client()  # type: ignore[operator]
    html = page(small, "/doc/source/cluster-policy-2021-03-31", "en")
    assert 'id="incoming-heading"' in html
    assert 'href="/doc/source/cluster-policy-2021-03-31?incoming=all"' in html


def test_error_page_extends_the_base(client: FlaskClient) -> None:
    response = client.get("/doc/nothing/here", headers={"Accept": BROWSER, "Accept-Language": "ru"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    check_html(html)
    assert '<html lang="ru">' in html and "На главную" in html and "<nav" in html


def test_explicit_language_choice_is_not_served_from_the_implicit_page(client: FlaskClient) -> None:
    implicit = page(client, "/doc/org/npc-polyus", "en")
    explicit = page(client, "/doc/org/npc-polyus", "en", lang="en")
    assert "?lang=en" not in implicit.split("<main", 1)[1]
    assert 'href="/doc/cluster/industrial?lang=en"' in explicit


def test_a_page_does_not_list_its_own_document_as_an_incoming_link(client: FlaskClient) -> None:
    html = page(client, "/doc/cluster/industrial", "en")
    assert 'href="http://localhost/doc/cluster/industrial"' not in html
    assert "/doc/cluster/industrial</a>" not in html
