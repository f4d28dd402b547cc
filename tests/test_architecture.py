"""The layout is the architecture: dependencies between subpackages point one way.

Each module of ``src/clusterld`` belongs to a layer; a module may import its own layer and
the layers this table allows, nothing above.  The table is the one in ARCHITECTURE.md.
Imports are read from the source (including imports inside functions), not executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "clusterld"

FOUNDATION = {"config", "errors", "formats", "i18n", "namespaces", "__version__"}
"""Top-level modules every layer may use (and the version); they import only each other."""

ALLOWED: dict[str, set[str]] = {
    "foundation": set(),
    "shacl": {"foundation"},
    "dataset": {"foundation", "shacl"},
    "validation": {"foundation", "shacl", "dataset"},
    "sparql": {"foundation", "dataset"},
    "metadata": {"foundation", "dataset", "sparql"},
    "publishing": {"foundation", "shacl", "dataset", "sparql", "metadata"},
    "web": {
        "foundation",
        "shacl",
        "dataset",
        "validation",
        "sparql",
        "metadata",
        "publishing",
    },
    "top": {
        "foundation",
        "shacl",
        "dataset",
        "validation",
        "sparql",
        "metadata",
        "publishing",
        "web",
    },
}
"""Which layers each layer may import (besides itself). ``top`` is ``cli`` and the package."""

FLASK_OUTSIDE_WEB = {
    "errors": "register_error_handlers renders any ClusterLDError for the request",
    "dataset.store": "init_app and get_store, the per-application accessor",
    "sparql.service": "init_app and get_service, the per-application accessor",
    "publishing.build": "crawls the application it is given",
    "cli": "starts the server",
}
"""The only modules outside ``web`` that may import Flask, and why."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> str:
    first = module.split(".")[0]
    if first in FOUNDATION:
        return "foundation"
    if first in ALLOWED:
        return first
    return "top"  # "", "cli", "__main__"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every import of ``clusterld`` in the file, relative to the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "clusterld":  # from clusterld import config, web
                names = [f"clusterld.{alias.name}" for alias in node.names]
        else:
            continue
        found += [(node.lineno, name) for name in names]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p) or "clusterld")
def test_imports_point_down(path: Path) -> None:
    own = layer_of(module_name(path))
    wrong = []
    for line, name in imported_modules(path):
        if name == "clusterld" or not name.startswith("clusterld."):
            continue
        target = layer_of(name.removeprefix("clusterld."))
        if target != own and target not in ALLOWED[own]:
            wrong.append(f"line {line}: {own} imports {name} ({target})")
    assert not wrong, f"{path.relative_to(PACKAGE)} imports a layer above its own: {wrong}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p) or "clusterld")
def test_flask_stays_in_web(path: Path) -> None:
    name = module_name(path)
    if layer_of(name) == "web" or name in FLASK_OUTSIDE_WEB or name in ("", "__main__"):
        return
    flask = [line for line, imported in imported_modules(path) if imported.split(".")[0] == "flask"]
    assert not flask, f"{name} imports Flask (lines {flask}); views belong in clusterld.web"


def test_every_layer_is_a_package_that_says_what_it_may_import() -> None:
    for layer in set(ALLOWED) - {"foundation", "top"}:
        init = PACKAGE / layer / "__init__.py"
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert docstring and "May import" in docstring, f"{layer}/__init__.py"


def test_the_table_sees_every_module() -> None:
    # A new top-level module must be placed in a layer on purpose, not fall into "top".
    top = {module_name(p) for p in MODULES if layer_of(module_name(p)) == "top"}
    assert top == {"", "__main__", "cli"}


def test_the_checker_catches_an_upward_import(tmp_path: Path) -> None:
    # The rule itself can fail: dataset importing web is caught.
    source = tmp_path / "bad.py"
    source.write_text("def f():\n    from clusterld.web.render import render\n")
    ((line, name),) = imported_modules(source)
    assert (line, name) == (2, "clusterld.web.render")
    assert layer_of(name.removeprefix("clusterld.")) not in ALLOWED["dataset"]


def test_architecture_md_names_every_layer() -> None:
    text = (PACKAGE.parents[1] / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for layer in set(ALLOWED) - {"foundation", "top"}:
        assert f"`{layer}/`" in text, layer
