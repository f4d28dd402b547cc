"""The README documents every setting and every CLI command."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterld.cli import cli
from clusterld.config import SETTINGS

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [setting.name for setting in SETTINGS])
def test_every_setting_is_documented(name: str) -> None:
    assert f"| `{name}` |" in README, f"setting {name} is missing from the README's table"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_documented(command: str) -> None:
    assert f"`clusterld {command}" in README, f"command {command} is missing from the README"


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 scripts/dev.py test" in README
    assert "exec python3 scripts/dev.py test" in ci
