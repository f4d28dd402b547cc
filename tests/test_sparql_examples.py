"""The example queries: well-formed, each answered by the endpoint exactly as rdflib answers it,
and saying what the source says (the agrarian college and the Asino school are in two clusters).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Literal, URIRef
from rdflib.query import Result

from clusterld.dataset.store import Store, get_store
from clusterld.metadata import published_graphs
from clusterld.sparql.examples import (
    ExampleQuery,
    example_queries,
    examples_graph,
    parse_example,
)
from sparql_support import parse_result

BASE = "http://localhost/"
EXAMPLES = example_queries(BASE)
BY_SLUG = {example.slug: example for example in EXAMPLES}


@pytest.fixture(scope="module")
def store(app: Flask) -> Store:
    with app.app_context():
        return get_store()


@pytest.fixture(scope="module")
def dataset(app: Flask, store: Store) -> Dataset:
    """The same named graphs in rdflib, the default graph their union: an independent engine."""
    union = Dataset(default_union=True)
    for name, graph in published_graphs(app.config)(store).items():
        named = union.graph(URIRef(name))
        for triple in graph:
            named.add(triple)
    return union


def normalise(value: object) -> object:
    """GROUP_CONCAT order is not defined: compare its parts as a set."""
    if isinstance(value, Literal) and " | " in str(value):
        return frozenset(str(value).split(" | "))
    return value


def answer(result: Result) -> list[tuple[object, ...]]:
    return sorted(
        (tuple(normalise(row[var]) for var in result.vars) for row in result),  # type: ignore[index]
        key=repr,
    )


def run(client: FlaskClient, example: ExampleQuery) -> Result:
    response = client.get("/sparql", query_string={"query": example.text})
    assert response.status_code == 200, response.get_data(as_text=True)
    return parse_result(response)


def test_there_are_the_promised_examples() -> None:
    assert {
        "clusters-and-leads",
        "members-by-role",
        "organisations-in-several-clusters",
        "counts-by-legal-form",
        "ontology-classes",
    } <= set(BY_SLUG)
    for example in EXAMPLES:
        assert set(example.title) == set(example.description) == {"en", "ru"}
        assert example.form == "SELECT"
        assert "https://clusterld.example/" not in example.text  # rebased to the published base


# rdflib 7's own SPARQL engine calls Dataset APIs that rdflib itself deprecates
@pytest.mark.filterwarnings(r"ignore:Dataset\.\w+ is deprecated:DeprecationWarning")
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.slug for e in EXAMPLES])
def test_the_endpoint_answers_as_rdflib_does(
    client: FlaskClient, dataset: Dataset, example: ExampleQuery
) -> None:
    ours = run(client, example)
    theirs = dataset.query(example.text)
    assert answer(ours) == answer(theirs)
    assert len(ours) > 0


def names(result: Result, column: str) -> set[str]:
    return {str(row[column]) for row in result}  # type: ignore[index]


def test_nine_clusters_each_with_its_lead(client: FlaskClient) -> None:
    result = run(client, BY_SLUG["clusters-and-leads"])
    assert len(result) == 9
    leads = {str(row["clusterName"]): str(row["leadName"]) for row in result}  # type: ignore[index]
    assert leads["Agro-Industrial Cluster"] == "Tomsk Agrarian College"
    assert leads["Forest Industry Cluster"] == "Asino Technical School of Industry and Service"


def test_the_agrarian_college_and_asino_school_are_in_two_clusters(client: FlaskClient) -> None:
    result = run(client, BY_SLUG["organisations-in-several-clusters"])
    counts = {str(row["name"]): int(row["clusterCount"]) for row in result}  # type: ignore[index]
    assert counts["Tomsk Agrarian College"] == 2
    assert counts["Asino Technical School of Industry and Service"] == 2


def test_members_by_role_of_the_industrial_cluster(client: FlaskClient) -> None:
    result = run(client, BY_SLUG["members-by-role"])
    roles = {str(row["role"]) for row in result}  # type: ignore[index]
    assert roles >= {"participant", "partner"}
    via = {str(row["viaName"]) for row in result if row["viaName"] is not None}  # type: ignore[index]
    assert via == {"Union “MPO of Employers of Tomsk Oblast”"}


def test_legal_forms_are_counted(client: FlaskClient) -> None:
    result = run(client, BY_SLUG["counts-by-legal-form"])
    counts = {str(row["notation"]): int(row["organisations"]) for row in result}  # type: ignore[index]
    assert counts["ОГБПОУ"] >= 1
    assert sum(counts.values()) >= len(counts)


def test_ontology_classes_come_with_both_labels_and_instances(client: FlaskClient) -> None:
    result = run(client, BY_SLUG["ontology-classes"])
    rows = {str(row["labelEn"]): row for row in result}  # type: ignore[index]
    cluster = rows["education-industry cluster"]
    assert str(cluster["labelRu"]) == "образовательно-отраслевой кластер"  # type: ignore[index]
    assert int(cluster["instances"]) == 9  # type: ignore[index]


def test_a_query_file_without_its_header_is_refused() -> None:
    with pytest.raises(ValueError, match="title in ru"):
        parse_example(
            "broken", "# title@en: Only English\n# description@en: x\n# description@ru: y\nASK {}"
        )


def test_the_examples_as_rdf_for_the_metadata() -> None:
    graph = examples_graph(BASE, f"{BASE}sparql")
    query = """
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?node ?text ?en ?ru WHERE {
          ?node a sh:SPARQLSelectExecutable ; sh:select ?text ;
            rdfs:label ?en, ?ru FILTER(lang(?en) = "en" && lang(?ru) = "ru")
        }"""
    found = {str(row[1]): str(row[2]) for row in graph.query(query)}  # type: ignore[index]
    assert found == {example.text: example.title["en"] for example in EXAMPLES}
    leads = URIRef(f"{BASE}sparql#example-clusters-and-leads")
    assert (leads, None, None) in graph
