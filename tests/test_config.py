"""Settings: defaults < CLUSTERLD_* environment < the mapping given; paths resolved once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clusterld import config
from clusterld.web.app import create_app


def test_environment_variables_are_read_and_path_lists_split() -> None:
    found = config.from_environment(
        {
            "CLUSTERLD_BASE_URI": "https://data.example.org/",
            "CLUSTERLD_DATA_PATHS": os.pathsep.join(["a", "b"]),
            "UNRELATED": "x",
        }
    )
    assert found == {"BASE_URI": "https://data.example.org/", "DATA_PATHS": ["a", "b"]}


def test_later_sources_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLUSTERLD_BASE_URI", "https://from-env.example.org/")
    monkeypatch.setenv("CLUSTERLD_SHAPES_PATHS", str(tmp_path))
    settings = config.load({"BASE_URI": "https://given.example.org/"})
    assert settings["BASE_URI"] == "https://given.example.org/"  # the mapping beats the env
    assert settings["SHAPES_PATHS"] == [tmp_path.resolve()]  # the env beats the default
    assert settings["DATA_PATHS"] == config.defaults()["DATA_PATHS"]


def test_relative_paths_are_resolved_to_absolute_ones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = config.load({"DATA_PATHS": "data"})
    assert settings["DATA_PATHS"] == [tmp_path / "data"]


def test_every_setting_has_a_default_entry_and_help() -> None:
    defaults = config.defaults()
    for setting in config.SETTINGS:
        assert setting.name in defaults
        assert setting.help.strip().endswith(".")


def test_the_environment_reaches_the_application(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERLD_BASE_URI", "https://env.example.org/")
    app = create_app({"TESTING": True})
    response = app.test_client().get("/id/cluster/industrial")
    assert response.status_code == 303
    turtle = app.test_client().get("/doc/cluster/industrial.ttl").get_data(as_text=True)
    assert "@prefix cluster: <https://env.example.org/id/cluster/>" in turtle
