"""The README names every example query (with a curl example) and every SPARQL setting."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from clusterld.config import SETTINGS

DOC = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
QUERIES = sorted(
    entry.name
    for entry in (resources.files("clusterld.sparql") / "queries").iterdir()
    if entry.name.endswith(".rq")
)


@pytest.mark.parametrize("file", QUERIES)
def test_every_example_query_is_documented(file: str) -> None:
    assert f"`{file}`" in DOC
    assert f"q {file})" in DOC, "a curl example runs it"


@pytest.mark.parametrize("name", [s.name for s in SETTINGS if s.name.startswith("SPARQL_")])
def test_every_sparql_setting_is_documented(name: str) -> None:
    assert f"| `{name}` |" in DOC
