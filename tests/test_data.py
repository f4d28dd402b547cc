"""The shipped data says what the source page says, once, and with its inferences written out.

``data/source-names.txt`` holds the names exactly as the source page prints them; the tests
find the resources by those names (or by code-list notations), never by their IRIs, so they
check the data against the source rather than against itself.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from clusterld import config
from clusterld.dataset.loading import load_graph
from clusterld.namespaces import ORG, ROV, SOURCE_BASE, IRIScheme

FIXTURES = Path(__file__).parent / "data"
SCHEME = IRIScheme(SOURCE_BASE)
CLD = SCHEME.term
SOURCE_URL = URIRef("http://tept.edu.ru/main/5259-klasternaja-politika-v-razvitii.html")
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, ROV.legalName)
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)?$")
KIND = re.compile(r"^[a-z]+(-[a-z]+)*$")

# Class axioms of W3C ORG and RegOrg that the data must write out (foaf:Agent and
# foaf:Organization, also superclasses in ORG, are not required).
STANDARD_SUBCLASSES: tuple[tuple[URIRef, URIRef], ...] = (
    (ORG.FormalOrganization, ORG.Organization),
    (ORG.OrganizationalUnit, ORG.Organization),
    (ORG.OrganizationalCollaboration, ORG.Organization),
    (ROV.RegisteredOrganization, ORG.FormalOrganization),
)
# Pairs of ORG properties declared owl:inverseOf each other.
INVERSES = (
    (ORG.memberOf, ORG.hasMember),
    (ORG.unitOf, ORG.hasUnit),
    (ORG.subOrganizationOf, ORG.hasSubOrganization),
)


def read_source_names(path: Path = FIXTURES / "source-names.txt") -> dict[str, list[str]]:
    sections: dict[str, list[str]] = defaultdict(list)
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.strip() and not line.startswith("#"):
            sections[section].append(line)
    return dict(sections)


NAMES = read_source_names()


@pytest.fixture(scope="module")
def data() -> Graph:
    return load_graph(config.load()["DATA_PATHS"], source_base=SOURCE_BASE, base=SOURCE_BASE)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_graph(config.load()["ONTOLOGY_PATHS"], source_base=SOURCE_BASE, base=SOURCE_BASE)


def in_language(data: Graph, subject: Node, predicate: URIRef, lang: str) -> set[str]:
    """The values of ``predicate`` for ``subject`` tagged ``lang``."""
    return {
        str(value)
        for value in data.objects(subject, predicate)
        if isinstance(value, Literal) and value.language == lang
    }


def languages(data: Graph, subject: Node, predicate: URIRef) -> set[str | None]:
    return {v.language for v in data.objects(subject, predicate) if isinstance(v, Literal)}


def named(data: Graph, name: str) -> set[Node]:
    """The resources that carry ``name`` as a label, a legal name or a hidden label."""
    return {s for p in NAME_PROPERTIES for s in data.subjects(p, Literal(name, lang="ru"))} | {
        s for p in NAME_PROPERTIES for s in data.subjects(p, Literal(name))
    }


def the(data: Graph, name: str) -> Node:
    """The one resource named ``name``."""
    found = named(data, name)
    assert len(found) == 1, f"{name!r} names {len(found)} resources: {sorted(found)}"
    return next(iter(found))


def by_notation(data: Graph, notation: str, cls: URIRef = SKOS.Concept) -> Node:
    """The one instance of ``cls`` with this code (a scheme and a concept may share one)."""
    (found,) = (
        s for s in data.subjects(SKOS.notation, Literal(notation)) if (s, RDF.type, cls) in data
    )
    return found


def memberships(data: Graph, organisation: Node, role_notation: str) -> set[Node]:
    role = by_notation(data, role_notation)
    return {m for m in data.subjects(ORG.organization, organisation) if (m, ORG.role, role) in data}


def members(data: Graph, organisation: Node, role_notation: str) -> set[Node]:
    return {
        member
        for membership in memberships(data, organisation, role_notation)
        for member in data.objects(membership, ORG.member)
    }


def clusters(data: Graph) -> set[Node]:
    return set(data.subjects(RDF.type, CLD.EducationIndustryCluster))


def minted(data: Graph) -> set[URIRef]:
    """IRIs under the source base that the data mints (not the ontology's or the shapes')."""
    vocabularies = (str(SCHEME.ontology), str(SCHEME.shapes))
    found = set()
    for triple in data:
        for term in triple:
            # str(): URIRef.startswith does not accept a tuple of prefixes
            if (
                isinstance(term, URIRef)
                and str(term).startswith(SOURCE_BASE)
                and not str(term).startswith(vocabularies)
            ):
                found.add(term)
    return found


# --- The source's names -----------------------------------------------------------------------


def test_source_names_fixture_has_every_section() -> None:
    assert {name: len(values) for name, values in NAMES.items()} == {
        "clusters": 9,
        "leads": 9,
        "participants": 13,
        "partners": 5,
        "project": 1,
    }


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, id=f"{section}-{number}")
        for section, names in NAMES.items()
        for number, name in enumerate(names, start=1)
    ],
)
def test_every_name_of_the_source_names_exactly_one_resource(data: Graph, name: str) -> None:
    the(data, name)


def test_clusters_are_numbered_and_led_as_in_the_source(data: Graph) -> None:
    for number, (cluster_name, lead_name) in enumerate(
        zip(NAMES["clusters"], NAMES["leads"], strict=True), start=1
    ):
        cluster = the(data, cluster_name)
        assert cluster in clusters(data), cluster_name
        assert data.value(cluster, SKOS.notation) == Literal(str(number)), cluster_name
        assert set(data.objects(cluster, CLD.leadOrganisation)) == {the(data, lead_name)}
        assert members(data, cluster, "lead") == {the(data, lead_name)}


def test_cluster_names_are_their_russian_preferred_labels(data: Graph) -> None:
    labels = set().union(*(in_language(data, c, SKOS.prefLabel, "ru") for c in clusters(data)))
    assert labels == set(NAMES["clusters"])


# --- One organisation, one resource -----------------------------------------------------------


@pytest.mark.parametrize("predicate", [SKOS.prefLabel, ROV.legalName], ids=["prefLabel", "legal"])
def test_no_two_resources_share_a_russian_name(data: Graph, predicate: URIRef) -> None:
    holders: dict[str, set[Node]] = defaultdict(set)
    for subject, value in data.subject_objects(predicate):
        if isinstance(value, Literal) and value.language == "ru":
            holders[str(value)].add(subject)
    assert holders, f"no {predicate} in Russian"
    assert {name: s for name, s in holders.items() if len(s) > 1} == {}


@pytest.mark.parametrize(
    ("lead_name", "participant_name", "led_cluster"),
    [
        pytest.param(
            "Томский аграрный колледж",
            "ОГБПОУ «Томский аграрный колледж»",
            "Агропромышленный кластер",
            id="agrarian-college",
        ),
        pytest.param(
            "Асиновский техникум промышленной индустрии и сервиса",
            "ОГБПОУ «Асиновский техникум промышленной индустрии и сервиса»",
            "Лесопромышленный кластер",
            id="asino-technical-school",
        ),
        # the typo'd name of the participant list is the same college as the lead
        pytest.param(
            "Томский экономико-промышленный колледж",
            "ОГБПОУ «Томский экономико-промышленный колледж;»",
            "Промышленный кластер",
            id="economic-industrial-college",
        ),
    ],
)
def test_lead_and_participant_are_one_resource(
    data: Graph, lead_name: str, participant_name: str, led_cluster: str
) -> None:
    organisation = the(data, lead_name)
    assert the(data, participant_name) == organisation
    assert organisation in members(data, the(data, led_cluster), "lead")
    assert organisation in members(data, the(data, "Промышленный кластер"), "participant")


# --- The model --------------------------------------------------------------------------------


def test_nine_clusters_each_a_collaboration_and_an_organisation(data: Graph) -> None:
    found = clusters(data)
    assert len(found) == 9
    assert set(data.subjects(RDF.type, ORG.OrganizationalCollaboration)) == found
    for cluster in found:
        assert (cluster, RDF.type, ORG.Organization) in data


def test_every_cluster_has_one_lead_membership_and_one_industry(data: Graph) -> None:
    industry_scheme = by_notation(data, "industry", SKOS.ConceptScheme)
    industries = []
    for cluster in clusters(data):
        assert len(memberships(data, cluster, "lead")) == 1, cluster
        (industry,) = data.objects(cluster, CLD.industry)
        assert (industry, SKOS.inScheme, industry_scheme) in data
        industries.append(industry)
    assert len(set(industries)) == 9, "each cluster has an industry of its own"


def test_industrial_cluster_participants_are_the_thirteen_of_the_source(data: Graph) -> None:
    industrial = the(data, "Промышленный кластер")
    participants = members(data, industrial, "participant")
    assert participants == {the(data, name) for name in NAMES["participants"]}
    assert len(participants) == 13
    assert set(data.objects(industrial, CLD.leadOrganisation)) <= participants


def test_industrial_cluster_partners_come_via_the_employers_union(data: Graph) -> None:
    industrial = the(data, "Промышленный кластер")
    union = the(data, "Союз «МПО работодателей Томской области»")
    partners = {the(data, name) for name in NAMES["partners"]}
    assert len(partners) == 5
    partnerships = memberships(data, industrial, "partner")
    assert {data.value(m, ORG.member) for m in partnerships} == partners
    for membership in partnerships:
        assert set(data.objects(membership, CLD.viaOrganisation)) == {union}
    # and each partner belongs to the union through a membership of its own
    assert {data.value(m, ORG.member) for m in data.subjects(ORG.organization, union)} == partners
    assert set(data.objects(union, ORG.hasMember)) == partners


def test_industrial_cluster_has_its_participants_and_partners_as_members(data: Graph) -> None:
    industrial = the(data, "Промышленный кластер")
    expected = {the(data, name) for name in NAMES["participants"] + NAMES["partners"]}
    assert set(data.objects(industrial, ORG.hasMember)) == expected


def test_polytechnic_technical_school_has_its_two_branches(data: Graph) -> None:
    school = the(data, "ОГБПОУ «Томский политехнический техникум»")
    branches = set(data.subjects(RDF.type, ORG.OrganizationalUnit))
    assert set(data.subjects(ORG.unitOf, school)) == branches
    assert set(data.objects(school, ORG.hasUnit)) == branches
    russian = sorted(
        label for branch in branches for label in in_language(data, branch, SKOS.prefLabel, "ru")
    )
    assert len(russian) == 2
    assert russian[0].startswith("Александровский филиал")
    assert russian[1].startswith("Парабельский филиал")


def test_councils_are_sub_organisations_of_every_cluster(data: Graph) -> None:
    councils = set(data.subjects(RDF.type, CLD.ClusterCouncil))
    first_words = sorted(
        label.split()[0] for c in councils for label in in_language(data, c, RDFS.label, "ru")
    )
    assert first_words == ["Координационный", "Экспертный"]
    for council in councils:
        assert set(data.objects(council, ORG.subOrganizationOf)) == clusters(data)


@pytest.mark.parametrize(
    ("as_printed", "corrected_legal_name", "corrected_label"),
    [
        pytest.param(
            "ОА «Томский электротехнический завод»",
            "АО «Томский электротехнический завод»",
            "Томский электротехнический завод",
            id="legal-form-OA",
        ),
        pytest.param(
            "ОГБПОУ «Томский экономико-промышленный колледж;»",
            "ОГБПОУ «Томский экономико-промышленный колледж»",
            "Томский экономико-промышленный колледж",
            id="stray-semicolon",
        ),
    ],
)
def test_typos_of_the_source_are_corrected_and_recorded(
    data: Graph, as_printed: str, corrected_legal_name: str, corrected_label: str
) -> None:
    organisation = the(data, as_printed)
    typo = Literal(as_printed, lang="ru")
    assert set(data.subjects(SKOS.hiddenLabel, typo)) == {organisation}
    for predicate in (RDFS.label, SKOS.prefLabel, SKOS.altLabel, ROV.legalName):
        assert not list(data.subjects(predicate, typo)), predicate
    assert (organisation, SKOS.altLabel, Literal(corrected_legal_name, lang="ru")) in data
    assert (organisation, ROV.legalName, Literal(corrected_legal_name, lang="ru")) in data
    assert (organisation, SKOS.prefLabel, Literal(corrected_label, lang="ru")) in data
    assert languages(data, organisation, SKOS.editorialNote) == {"ru", "en"}


# --- Inferences written out -------------------------------------------------------------------


def test_every_membership_is_written_out_both_ways(data: Graph) -> None:
    all_memberships = set(data.subjects(RDF.type, ORG.Membership))
    assert len(all_memberships) >= 30
    for membership in all_memberships:
        (organisation,) = data.objects(membership, ORG.organization)
        (member,) = data.objects(membership, ORG.member)
        assert (organisation, ORG.hasMember, member) in data, membership
        assert (member, ORG.memberOf, organisation) in data, membership


def test_every_member_of_is_backed_by_a_membership(data: Graph) -> None:
    for member, organisation in data.subject_objects(ORG.memberOf):
        assert any(
            (m, ORG.organization, organisation) in data for m in data.subjects(ORG.member, member)
        ), (member, organisation)


def test_lead_organisation_is_the_member_of_the_lead_membership(data: Graph) -> None:
    for cluster in clusters(data):
        leads = set(data.objects(cluster, CLD.leadOrganisation))
        assert len(leads) == 1
        assert leads == members(data, cluster, "lead"), cluster


@pytest.mark.parametrize(("forward", "backward"), INVERSES, ids=lambda p: p.split("#")[-1])
def test_inverse_properties_are_written_out(data: Graph, forward: URIRef, backward: URIRef) -> None:
    pairs = set(data.subject_objects(forward))
    assert pairs, f"no {forward} in the data"
    assert pairs == {(a, b) for b, a in data.subject_objects(backward)}


def test_sub_properties_are_written_out(data: Graph, ontology: Graph) -> None:
    axioms = list(ontology.subject_objects(RDFS.subPropertyOf))
    assert (CLD.leadOrganisation, ORG.hasMember) in axioms
    assert (CLD.industry, ORG.classification) in axioms
    for sub, super_ in axioms:
        for subject, value in data.subject_objects(sub):
            assert (subject, super_, value) in data, (subject, sub, super_)


def superclasses(ontology: Graph) -> dict[Node, set[Node]]:
    """Every class's superclasses, by the ontology and the ORG/RegOrg axioms (transitive)."""
    direct: dict[Node, set[Node]] = defaultdict(set)
    for sub, super_ in [*ontology.subject_objects(RDFS.subClassOf), *STANDARD_SUBCLASSES]:
        direct[sub].add(super_)
    closure: dict[Node, set[Node]] = {}
    for cls in direct:
        seen: set[Node] = set()
        todo = list(direct[cls])
        while todo:
            parent = todo.pop()
            if parent not in seen:
                seen.add(parent)
                todo.extend(direct.get(parent, ()))
        closure[cls] = seen
    return closure


@pytest.mark.parametrize(
    ("cls", "super_"),
    [
        (CLD.EducationIndustryCluster, ORG.OrganizationalCollaboration),
        (CLD.EducationIndustryCluster, ORG.Organization),
        (ROV.RegisteredOrganization, ORG.FormalOrganization),
        (ROV.RegisteredOrganization, ORG.Organization),
        (ORG.FormalOrganization, ORG.Organization),
        (ORG.OrganizationalUnit, ORG.Organization),
        (CLD.ClusterCouncil, ORG.Organization),
    ],
    ids=lambda term: term.split("/")[-1].replace("#", ":"),
)
def test_instances_carry_their_super_types(
    data: Graph, ontology: Graph, cls: URIRef, super_: URIRef
) -> None:
    assert super_ in superclasses(ontology)[cls]
    instances = set(data.subjects(RDF.type, cls))
    assert instances, f"no instance of {cls}"
    assert instances <= set(data.subjects(RDF.type, super_))


def test_every_typed_resource_carries_every_super_type(data: Graph, ontology: Graph) -> None:
    closure = superclasses(ontology)
    missing = [
        (str(subject), str(super_))
        for subject, cls in data.subject_objects(RDF.type)
        for super_ in closure.get(cls, ())
        if (subject, RDF.type, super_) not in data
    ]
    assert missing == []


# --- Labels, IRIs, provenance -----------------------------------------------------------------


def test_every_resource_has_a_label_in_russian_and_english(data: Graph) -> None:
    subjects = set(data.subjects()) & minted(data)
    assert len(subjects) > 50
    for subject in subjects:
        assert {"ru", "en"} <= languages(data, subject, RDFS.label), subject


def follows_iri_scheme(iri: URIRef) -> bool:
    """``{base}id/<kind>/<slug>``, in ASCII."""
    things = f"{SOURCE_BASE}id/"
    if not (iri.isascii() and str(iri).startswith(things)):
        return False
    kind, _, slug = iri[len(things) :].partition("/")
    return bool(KIND.match(kind) and SLUG.match(slug))


def test_minted_iris_follow_the_iri_scheme(data: Graph) -> None:
    found = minted(data)
    assert SCHEME.thing("cluster", "industrial") in found
    assert not follows_iri_scheme(URIRef(f"{SOURCE_BASE}id/org/Томск"))
    assert not follows_iri_scheme(URIRef(f"{SOURCE_BASE}id/org/a/b/c"))
    assert not follows_iri_scheme(URIRef(f"{SOURCE_BASE}org/a"))
    # the dataset has an IRI of its own, {base}id/dataset (IRIScheme.dataset)
    bad = [str(iri) for iri in found - {SCHEME.dataset} if not follows_iri_scheme(iri)]
    assert bad == []


def test_every_minted_iri_is_described(data: Graph) -> None:
    undescribed = [str(iri) for iri in minted(data) if (iri, RDF.type, None) not in data]
    assert undescribed == []


def test_source_document_is_dated_and_points_to_the_page(data: Graph) -> None:
    cited = {source for c in clusters(data) for source in data.objects(c, DCTERMS.source)}
    (source,) = cited  # the clusters all come from one page
    assert (source, RDF.type, FOAF.Document) in data
    assert list(data.objects(source, DCTERMS.issued)) == [Literal("2021-03-31", datatype=XSD.date)]
    assert list(data.objects(source, FOAF.page)) == [SOURCE_URL]
    assert (SCHEME.dataset, PROV.hadPrimarySource, source) in data


def test_everything_from_the_source_cites_it(data: Graph) -> None:
    (source,) = data.subjects(FOAF.page, SOURCE_URL)
    from_source = (
        set(data.subjects(RDF.type, ORG.Organization))
        | set(data.subjects(RDF.type, ORG.Membership))
        | set(data.subjects(RDF.type, CLD.Roadmap))
        | set(data.subjects(RDF.type, CLD.RegionalProject))
        | set(data.subjects(RDF.type, SKOS.ConceptScheme))
        | {SCHEME.dataset}
    )
    assert len(from_source) > 60
    uncited = [str(s) for s in from_source if (s, DCTERMS.source, source) not in data]
    assert uncited == []


def test_every_resource_names_its_source(data: Graph) -> None:
    """Every minted resource cites a source, except the classifier that is itself cited."""
    okopf = URIRef(f"{SOURCE_BASE}id/source/okopf")
    for subject in (set(data.subjects()) & minted(data)) - {okopf}:
        cited = list(data.objects(subject, DCTERMS.source))
        assert cited and all(isinstance(c, URIRef) for c in cited), subject
    (source,) = data.subjects(FOAF.page, SOURCE_URL)
    assert (source, DCTERMS.source, SOURCE_URL) in data


def test_legal_form_expansions_cite_the_classifier(data: Graph) -> None:
    """The expansions of ООО, ОГБПОУ … are not in the source page: they come from ОКОПФ."""
    okopf = URIRef(f"{SOURCE_BASE}id/source/okopf")
    assert (okopf, DCTERMS.identifier, Literal("ОК 028-2012")) in data
    scheme = URIRef(f"{SOURCE_BASE}id/scheme/legal-form")
    forms = set(data.subjects(SKOS.inScheme, scheme))
    assert len(forms) == 7
    for form in forms:
        assert (form, DCTERMS.source, okopf) in data, form


def test_no_member_has_two_memberships_of_one_organisation(data: Graph) -> None:
    pairs = Counter(
        (data.value(m, ORG.member), data.value(m, ORG.organization))
        for m in data.subjects(RDF.type, ORG.Membership)
    )
    assert [pair for pair, count in pairs.items() if count > 1] == []
