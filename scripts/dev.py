#!/usr/bin/env python3
"""Set up and run ClusterLD from a fresh checkout with nothing but Python 3.11+.

    python3 scripts/dev.py serve [ARGS...]   install if needed, then serve the shipped dataset
    python3 scripts/dev.py test  [ARGS...]   install if needed, then lint, type-check and test
    python3 scripts/dev.py clusterld ARGS... install if needed, then run any clusterld command

The project is installed (editable, with its test extras) into ``.venv`` the first time and
again whenever ``pyproject.toml`` changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".clusterld-installed"


def ensure_installed() -> None:
    """Create ``.venv`` and install the project into it unless it is up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this script runs on any python3)
        sys.exit(f"ClusterLD needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    print("Installing ClusterLD and its test tools ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "install", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def run(command: list[str]) -> int:
    return subprocess.run(command, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("serve", "test", "clusterld"):
        print(__doc__)
        return 2
    ensure_installed()
    task, rest = argv[0], argv[1:]
    if task == "serve":
        return run([str(BIN / "clusterld"), "serve", *rest])
    if task == "clusterld":
        return run([str(BIN / "clusterld"), *rest])
    python = str(BIN / "python")
    sources = [d for d in ("src", "tests", "scripts", "benchmarks") if (ROOT / d).is_dir()]
    for check in (
        [python, "-m", "ruff", "check", *sources],
        [python, "-m", "ruff", "format", "--check", *sources],
        [python, "-m", "mypy"],
    ):
        if run(check) != 0:
            print(f"Check failed: {' '.join(check[2:])}")
            return 1
    return run([python, "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
