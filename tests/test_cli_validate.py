"""``clusterld validate``: exit codes 0/1/2, readable reports in English and Russian, the
standard report as Turtle or JSON-LD, and input errors that name the file, line and column.

The broken fixtures and their expected messages are the table of ``test_shapes``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS, SH, SKOS

from clusterld.cli import cli
from clusterld.dataset.loading import parse_file
from syntax_cases import SYNTAX_ERRORS
from test_shapes import BROKEN, Broken

FIXTURES = Path(__file__).parent / "data"
MINIMAL = FIXTURES / "valid" / "minimal.ttl"
# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
JSONLD_PARSER_DEPRECATION = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"
)


def run(runner: CliRunner, *args: str | Path) -> Result:
    """Invoke ``clusterld validate`` and check that it ended cleanly, whatever its verdict."""
    result = runner.invoke(cli, ["validate", *map(str, args)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def labels(case: Broken, lang: str) -> set[str]:
    """The focus node's labels in ``lang``, as the broken fixture gives them."""
    graph = parse_file(case.path)
    found = {
        str(label)
        for predicate in (SKOS.prefLabel, RDFS.label)
        for label in graph.objects(case.focus_node(), predicate)
        if isinstance(label, Literal) and label.language == lang
    }
    assert found, f"{case.name}: the focus node has no label in {lang}"
    return found


def line_of(output: str, needle: str) -> str:
    lines = [line for line in output.splitlines() if needle in line]
    assert lines, f"{needle!r} not in output:\n{output}"
    return lines[0]


# --- Verdicts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "verdict"),
    [
        pytest.param((), "Conforms", id="shipped-data"),
        pytest.param(("--lang", "ru"), "Соответствует", id="shipped-data-ru"),
        pytest.param((MINIMAL,), "Conforms", id="minimal-fixture"),
    ],
)
def test_conforming_data_exits_0(runner: CliRunner, args: tuple[str, ...], verdict: str) -> None:
    result = run(runner, *args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(verdict)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in BROKEN])
def test_broken_fixture_exits_1_with_english_message(runner: CliRunner, case: Broken) -> None:
    result = run(runner, case.path)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Does not conform")
    assert case.en in result.output
    assert case.ru not in result.output
    focus_line = line_of(result.output, f"<{case.focus_node()}>")
    assert any(label in focus_line for label in labels(case, "en")), focus_line


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in BROKEN])
def test_broken_fixture_in_russian(runner: CliRunner, case: Broken) -> None:
    result = run(runner, "--lang", "ru", case.path)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Не соответствует")
    assert case.ru in result.output
    assert case.en not in result.output
    focus_line = line_of(result.output, f"<{case.focus_node()}>")
    assert any(label in focus_line for label in labels(case, "ru")), focus_line


def test_text_report_counts_the_violations(runner: CliRunner) -> None:
    result = run(runner, FIXTURES / "invalid" / "cluster-without-lead.ttl")
    assert "1 violation(s), 0 warning(s)" in line_of(result.output, "Does not conform")


def test_shapes_option_replaces_the_shipped_shapes(runner: CliRunner, tmp_path: Path) -> None:
    shapes = tmp_path / "strict.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
        "<urn:x:NoHomepage> a sh:NodeShape ; sh:targetSubjectsOf foaf:homepage ;\n"
        "  sh:property [ sh:path foaf:homepage ; sh:maxCount 0 ;\n"
        '    sh:message "no homepages"@en ] .\n',
        encoding="utf-8",
    )
    assert run(runner, MINIMAL).exit_code == 0
    result = run(runner, "--shapes", shapes, MINIMAL)
    assert result.exit_code == 1
    assert "no homepages" in result.output


# --- The standard report --------------------------------------------------------------------


@JSONLD_PARSER_DEPRECATION
@pytest.mark.parametrize("report_format", ["turtle", "json-ld"])
@pytest.mark.parametrize(
    ("path", "conforms"),
    [
        pytest.param(FIXTURES / "invalid" / "cluster-without-lead.ttl", False, id="broken"),
        pytest.param(MINIMAL, True, id="valid"),
    ],
)
def test_report_as_rdf(runner: CliRunner, report_format: str, path: Path, conforms: bool) -> None:
    result = run(runner, "--format", report_format, path)
    assert result.exit_code == (0 if conforms else 1)
    report = Graph().parse(data=result.output, format=report_format)
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms) == Literal(conforms)
    focus_nodes = {report.value(r, SH.focusNode) for r in report.objects(node, SH.result)}
    if conforms:
        assert focus_nodes == set()
    else:
        assert focus_nodes == {next(c for c in BROKEN if c.path == path).focus_node()}


# --- Input errors: exit 2, no traceback -----------------------------------------------------


@pytest.mark.parametrize(("suffix", "text", "line", "column"), SYNTAX_ERRORS)
def test_syntax_error_exits_2_naming_file_line_and_column(
    runner: CliRunner, tmp_path: Path, suffix: str, text: str, line: int, column: int | None
) -> None:
    path = tmp_path / f"broken{suffix}"
    path.write_text(text, encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 2
    where = f"{path}, line {line}" + (f", column {column}:" if column is not None else "")
    assert where in result.output


def test_missing_path_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, tmp_path / "missing.ttl")
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_unknown_extension_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "clusters.csv"
    path.write_text("name\nИндустриальный\n", encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 2
    assert "unknown RDF format" in result.output
    assert ".ttl" in result.output  # and says which extensions it knows


def test_missing_shapes_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "--shapes", tmp_path / "none.ttl", MINIMAL)
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_unknown_language_is_a_usage_error(runner: CliRunner) -> None:
    result = run(runner, "--lang", "de", MINIMAL)
    assert result.exit_code == 2


@JSONLD_PARSER_DEPRECATION
def test_malformed_json_ld_context_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "context.jsonld"
    path.write_text('{"@context": 5, "@id": "x"}', encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 2
    assert str(path) in result.output


def test_relative_path_with_relative_iris_is_read(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "relative.ttl").write_text("<a> <http://example.org/p> <b> .\n", encoding="utf-8")
    assert run(runner, tmp_path / "relative.ttl").exit_code == 0
    monkeypatch.chdir(tmp_path)
    result = run(runner, "relative.ttl")
    assert result.exit_code == 0, result.output


# --- Folders and several files --------------------------------------------------------------


def split_minimal(folder: Path) -> tuple[Path, Path]:
    """Write minimal.ttl as two files, Turtle and N-Triples, the second in a sub-folder."""
    triples = sorted(parse_file(MINIMAL))
    half = len(triples) // 2
    first, second = Graph(), Graph()
    for triple in triples[:half]:
        first.add(triple)
    for triple in triples[half:]:
        second.add(triple)
    (folder / "more").mkdir()
    a, b = folder / "a.ttl", folder / "more" / "b.nt"
    a.write_text(first.serialize(format="turtle"), encoding="utf-8")
    b.write_text(second.serialize(format="nt"), encoding="utf-8")
    (folder / "README.txt").write_text("not RDF, skipped", encoding="utf-8")
    return a, b


def test_folder_argument_validates_every_rdf_file_in_it(runner: CliRunner, tmp_path: Path) -> None:
    a, _ = split_minimal(tmp_path)
    result = run(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert f"Checked {len(parse_file(MINIMAL))} triples" in result.output
    # half of the data alone does not conform: the folder really read both files
    assert run(runner, a).exit_code == 1


def test_several_files_are_validated_together(runner: CliRunner, tmp_path: Path) -> None:
    a, b = split_minimal(tmp_path)
    result = run(runner, a, b)
    assert result.exit_code == 0, result.output


def test_shapes_without_any_shape_are_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty.ttl"
    empty.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    result = runner.invoke(cli, ["validate", "--shapes", str(empty)])
    assert result.exit_code == 2
    assert "no SHACL shapes found" in result.output
