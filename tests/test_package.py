"""The wheel: built non-editably, it carries the dataset (ontology, data, shapes) and the
``clusterld`` console script, and the code finds that packaged dataset when installed."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASET = {
    "ontology": sorted((ROOT / "ontology").glob("*.ttl")),
    "data": sorted((ROOT / "data").glob("*.ttl")),
    "shapes": sorted((ROOT / "shapes").glob("*.ttl")),
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel the way a user's ``pip install`` does (not editable)."""
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    (built,) = out.glob("clusterld-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_repository_has_the_dataset_files() -> None:
    assert [p.name for p in DATASET["ontology"]] == ["clusterld.ttl"]
    assert DATASET["data"] and DATASET["shapes"]


@pytest.mark.parametrize("folder", sorted(DATASET))
def test_wheel_carries_the_dataset_files_unchanged(wheel: Path, folder: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        packaged = {
            name.rsplit("/", 1)[1]: archive.read(name)
            for name in archive.namelist()
            if name.startswith(f"clusterld/dataset/{folder}/") and name.endswith(".ttl")
        }
    assert packaged == {path.name: path.read_bytes() for path in DATASET[folder]}


def test_wheel_carries_the_ontology_at_its_documented_place(names: set[str]) -> None:
    assert "clusterld/dataset/ontology/clusterld.ttl" in names


def test_wheel_carries_the_package(names: set[str]) -> None:
    assert {"clusterld/__init__.py", "clusterld/cli.py", "clusterld/dataset/loading.py"} <= names
    assert "clusterld/publishing/nginx.conf.in" in names  # the template of `build`'s nginx.conf
    assert not [name for name in names if name.startswith(("tests/", "src/"))]


def test_console_script_is_declared(wheel: Path, names: set[str]) -> None:
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser()
    with zipfile.ZipFile(wheel) as archive:
        parser.read_string(archive.read(entry_points).decode("utf-8"))
    assert parser["console_scripts"]["clusterld"].strip() == "clusterld.cli:main"


def test_installed_wheel_validates_its_packaged_dataset(wheel: Path, tmp_path: Path) -> None:
    """Unpacked first on the path (as site-packages would be), the code finds the packaged
    dataset rather than the repository's, and the shipped data conforms."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "site")
    environment = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "site"),
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    for name in [n for n in environment if n.startswith("CLUSTERLD_")]:
        del environment[name]
    probe = (
        "import clusterld, clusterld.config as c; "
        "print(clusterld.__file__); print(c.load()['DATA_PATHS'][0])"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=environment
    )
    assert shown.returncode == 0, shown.stderr
    module_file, data_path = shown.stdout.split()
    assert Path(module_file).is_relative_to(tmp_path / "site")
    assert Path(data_path) == tmp_path / "site" / "clusterld" / "dataset" / "data"

    validated = subprocess.run(
        [sys.executable, "-m", "clusterld", "validate"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert validated.stdout.startswith("Conforms")
