"""Reading RDF files: format by extension, folders, precise syntax errors, and rebasing."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, XSD

from clusterld.dataset.loading import (
    FORMAT_BY_SUFFIX,
    load_graph,
    parse_file,
    parse_text,
    rdf_files,
    rebase,
)
from clusterld.errors import InputError, RDFSyntaxError
from clusterld.namespaces import SOURCE_BASE
from syntax_cases import SYNTAX_ERRORS

FIXTURES = Path(__file__).parent / "data"
MINIMAL = FIXTURES / "valid" / "minimal.ttl"
OTHER_BASE = "http://localhost:9999/"
EX = "http://example.org/"
# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
JSONLD_PARSER_DEPRECATION = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def minimal() -> Graph:
    return parse_file(MINIMAL)


# --- Formats and files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix",
    [
        pytest.param(s, marks=[JSONLD_PARSER_DEPRECATION] if s.startswith(".json") else [])
        for s in sorted(FORMAT_BY_SUFFIX)
    ],
)
def test_format_is_chosen_by_extension(suffix: str, minimal: Graph, tmp_path: Path) -> None:
    path = tmp_path / f"minimal{suffix}"
    path.write_text(minimal.serialize(format=FORMAT_BY_SUFFIX[suffix]), encoding="utf-8")
    assert isomorphic(parse_file(path), minimal)


def test_extension_is_case_insensitive(minimal: Graph, tmp_path: Path) -> None:
    path = write(tmp_path / "MINIMAL.TTL", MINIMAL.read_text(encoding="utf-8"))
    assert isomorphic(parse_file(path), minimal)


def test_parse_file_adds_to_a_given_graph(tmp_path: Path) -> None:
    graph = Graph()
    graph.add((URIRef(f"{EX}x"), RDFS.label, Literal("x")))
    write(tmp_path / "a.ttl", f"<{EX}a> <{EX}b> <{EX}c> .\n")
    assert parse_file(tmp_path / "a.ttl", graph=graph) is graph
    assert len(graph) == 2


def test_relative_and_absolute_paths_read_the_same_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "relative.ttl", f"<a> <{EX}p> <b> .\n")
    monkeypatch.chdir(tmp_path)
    absolute = parse_file(tmp_path / "relative.ttl")
    assert (URIRef((tmp_path / "a").as_uri()), URIRef(f"{EX}p"), None) in absolute
    assert isomorphic(parse_file(Path("relative.ttl")), absolute)


def test_unknown_extension_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path / "data.csv", "a,b\n")
    with pytest.raises(InputError, match="unknown RDF format"):
        parse_file(path)
    with pytest.raises(InputError, match="unknown RDF format"):
        rdf_files([path])


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        rdf_files([tmp_path / "missing.ttl"])


def test_folders_are_searched_recursively_for_rdf_files(tmp_path: Path) -> None:
    write(tmp_path / "b.ttl", "")
    write(tmp_path / "notes.txt", "not RDF")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "a.nt", "")
    write(tmp_path / "sub" / "c.jsonld", "[]")
    found = rdf_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "b.ttl",
        "sub/a.nt",
        "sub/c.jsonld",
    ]


def test_load_graph_merges_files_of_different_formats(minimal: Graph, tmp_path: Path) -> None:
    triples = sorted(minimal)
    half = len(triples) // 2
    first, second = Graph(), Graph()
    for triple in triples[:half]:
        first.add(triple)
    for triple in triples[half:]:
        second.add(triple)
    write(tmp_path / "first.ttl", first.serialize(format="turtle"))
    (tmp_path / "more").mkdir()
    write(tmp_path / "more" / "second.nt", second.serialize(format="nt"))
    loaded = load_graph([tmp_path], source_base=SOURCE_BASE, base=SOURCE_BASE)
    assert isomorphic(loaded, minimal)


# --- Syntax errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "text", "line", "column"), SYNTAX_ERRORS)
def test_syntax_error_names_file_line_and_column(
    suffix: str, text: str, line: int, column: int | None, tmp_path: Path
) -> None:
    path = write(tmp_path / f"broken{suffix}", text)
    with pytest.raises(RDFSyntaxError) as caught:
        parse_file(path)
    error = caught.value
    assert error.source == str(path)
    assert error.line == line
    if column is not None:
        assert error.column == column
        assert f"{path}, line {line}, column {column}: " in error.detail
    else:
        assert f"{path}, line {line}" in error.detail
    assert error.message.strip()


def test_rdfxml_error_column_is_one_based(tmp_path: Path) -> None:
    text = '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&bogus;</rdf:RDF>\n'
    path = write(tmp_path / "entity.rdf", text)
    with pytest.raises(RDFSyntaxError) as caught:
        parse_file(path)
    assert caught.value.line == 2
    assert caught.value.column == text.splitlines()[1].index("&bogus;") + 1


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.ttl"
    path.write_bytes(b'@prefix ex: <http://example.org/> .\n\nex:a ex:b "caf\xe9" .\n')
    with pytest.raises(RDFSyntaxError, match="UTF-8") as caught:
        parse_file(path)
    assert caught.value.line == 3


def test_failed_parse_leaves_the_graph_untouched() -> None:
    graph = Graph()
    graph.add((URIRef(f"{EX}x"), RDFS.label, Literal("kept")))
    text = f"<{EX}a> <{EX}b> <{EX}c> .\n<{EX}a> <{EX}b> ."
    with pytest.raises(RDFSyntaxError):
        parse_text(text, "turtle", source="inline", graph=graph)
    assert len(graph) == 1


@JSONLD_PARSER_DEPRECATION
def test_json_ld_that_is_json_but_not_json_ld_is_a_syntax_error() -> None:
    with pytest.raises(RDFSyntaxError, match="not valid json-ld"):
        parse_text('{"@context": {"@vocab": 5}, "a": "x"}', "json-ld", source="inline.jsonld")


@JSONLD_PARSER_DEPRECATION
@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"@context": 5, "@id": "x"}', id="context-not-an-object"),
        pytest.param('{"@context": [5]}', id="context-list-of-number"),
        pytest.param('"just a string"', id="top-level-string"),
        # a remote context is refused before anything is fetched
        pytest.param('{"@context": "http://127.0.0.1:9/c.jsonld", "@id": "x"}', id="remote"),
    ],
)
def test_any_bad_json_ld_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        parse_text(text, "json-ld", source="inline.jsonld")


# --- Rebasing ---------------------------------------------------------------------------------


def test_rebase_rewrites_iris_and_iri_strings_under_the_source_base() -> None:
    s = URIRef(f"{SOURCE_BASE}id/org/a")
    graph = Graph()
    graph.bind("orgs", f"{SOURCE_BASE}id/org/")
    graph.add((s, RDFS.seeAlso, URIRef(f"{EX}elsewhere")))
    graph.add((s, RDFS.comment, Literal(f"{SOURCE_BASE}id/")))
    graph.add((s, RDFS.comment, Literal(f"{SOURCE_BASE}id/x", datatype=XSD.anyURI)))
    graph.add((s, RDFS.label, Literal(f"{SOURCE_BASE} in prose", lang="en")))

    rebased = rebase(graph, SOURCE_BASE, OTHER_BASE)

    t = URIRef(f"{OTHER_BASE}id/org/a")
    expected = Graph()
    expected.add((t, RDFS.seeAlso, URIRef(f"{EX}elsewhere")))
    expected.add((t, RDFS.comment, Literal(f"{OTHER_BASE}id/")))
    expected.add((t, RDFS.comment, Literal(f"{OTHER_BASE}id/x", datatype=XSD.anyURI)))
    # language-tagged text is prose, not an IRI: left alone
    expected.add((t, RDFS.label, Literal(f"{SOURCE_BASE} in prose", lang="en")))
    assert isomorphic(rebased, expected)
    assert dict(rebased.namespaces())["orgs"] == URIRef(f"{OTHER_BASE}id/org/")


def test_rebase_to_the_same_base_changes_nothing(minimal: Graph) -> None:
    assert isomorphic(rebase(minimal, SOURCE_BASE, SOURCE_BASE), minimal)


def test_rebase_round_trips(minimal: Graph) -> None:
    there = rebase(minimal, SOURCE_BASE, OTHER_BASE)
    assert not isomorphic(there, minimal)
    assert isomorphic(rebase(there, OTHER_BASE, SOURCE_BASE), minimal)


def test_load_graph_rebases(minimal: Graph) -> None:
    loaded = load_graph([MINIMAL], source_base=SOURCE_BASE, base=OTHER_BASE)
    assert isomorphic(loaded, rebase(minimal, SOURCE_BASE, OTHER_BASE))
    assert (URIRef(f"{OTHER_BASE}id/cluster/example"), None, None) in loaded


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.ttl"
    path.write_bytes("\ufeff".encode() + f"<{EX}a> <{EX}b> <{EX}c> .\n".encode())
    assert len(parse_file(path)) == 1


def test_a_folder_without_rdf_files_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not RDF", encoding="utf-8")
    with pytest.raises(InputError, match="no RDF files in this folder"):
        rdf_files([tmp_path])
