"""Settings: defaults with their help text, the loading order, and where the dataset lives.

Every setting has a default and a one-line help in :data:`SETTINGS`; the CLI and the README
reuse that table.  Later sources win: defaults < environment variables prefixed
``CLUSTERLD_`` < the mapping passed in (tests and the CLI use it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from clusterld.namespaces import SOURCE_BASE


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


def dataset_root() -> Path:
    """The folder that holds ``ontology/``, ``data/`` and ``shapes/``.

    An installed wheel carries them inside the package, beside the code that loads them
    (``clusterld/dataset/{ontology,data,shapes}``); a source checkout (editable install,
    tests) has them at the top of the repository.
    """
    packaged = Path(str(resources.files("clusterld.dataset")))
    if (packaged / "shapes").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


SETTINGS: tuple[Setting, ...] = (
    Setting("DATA_PATHS", None, "Files or folders of instance data (default: the shipped data/)."),
    Setting("ONTOLOGY_PATHS", None, "Files or folders of the ontology (default: ontology/)."),
    Setting("SHAPES_PATHS", None, "Files or folders of SHACL shapes (default: shapes/)."),
    Setting("SOURCE_BASE", SOURCE_BASE, "Base IRI that the dataset files are written with."),
    Setting(
        "BASE_URI",
        None,
        "Base IRI the dataset is published under (default: the address the server listens on).",
    ),
    Setting(
        "STORE",
        None,
        "Folder of a published store, or the SPARQL endpoint URL of a remote one, to serve "
        "(clusterld publish); unset: publish into the cache.",
    ),
    Setting(
        "STORE_UPDATE_URL",
        None,
        "SPARQL 1.1 Update endpoint of a remote STORE (for clusterld publish).",
    ),
    Setting(
        "STORE_GSP_URL",
        None,
        "Graph Store Protocol endpoint of a remote STORE (for clusterld publish; unset: load "
        "by SPARQL Update).",
    ),
    Setting("STORE_TIMEOUT", 10, "Seconds a remote STORE may take to answer one request (504)."),
    Setting("STORE_CONNECTIONS", 10, "Connections to a remote STORE kept open per process."),
    Setting(
        "STORE_REFRESH",
        5,
        "Seconds between checks of which version a remote STORE names current.",
    ),
    Setting(
        "CACHE_DIR",
        None,
        "Where serve publishes when given no store (default: ~/.cache/clusterld).",
    ),
    Setting(
        "PUBLISH_TIMEOUT",
        3600,
        "Seconds serve's publish (at start and on SIGHUP, in a child process) may take; then it "
        "is stopped and refused.",
    ),
    Setting("SPARQL_TIMEOUT", 10, "Seconds a SPARQL query may run; then it is stopped (503)."),
    Setting(
        "SPARQL_MAX_ROWS",
        10000,
        "Most rows (or triples) in a SPARQL answer; a longer one is cut and says so.",
    ),
    Setting("SPARQL_MAX_QUERY_LENGTH", 50000, "Longest SPARQL query accepted, in characters."),
    Setting(
        "SPARQL_MAX_BYTES",
        64 * 1024 * 1024,
        "Largest SPARQL answer sent, in bytes (64 MiB); a larger one is refused (503).",
    ),
    Setting(
        "SPARQL_MAX_NESTING",
        100,
        "Deepest nesting of { ( [ in a SPARQL query; a deeper one is refused (400).",
    ),
    Setting(
        "SPARQL_ALLOW_SERVICE",
        False,
        "Let SPARQL queries call other endpoints with SERVICE (off: no outbound requests).",
    ),
    Setting(
        "SPARQL_CACHE_MB",
        64,
        "Megabytes of SPARQL answers each server process keeps for repeated queries, per data "
        "version (0: off).",
    ),
    Setting("SPARQL_WORKERS", 2, "Worker processes that run SPARQL queries, each with the data."),
    Setting(
        "SPARQL_MAX_WAITING",
        2,
        "SPARQL queries that may wait for a busy worker in each server process; more get 503 "
        "with Retry-After at once, so that pages and health probes always find a thread.",
    ),
    Setting(
        "SPARQL_WORKER_MEMORY",
        2048,
        "Megabytes a SPARQL worker may use; a query needing more is stopped (0: no limit).",
    ),
    Setting(
        "INFERENCE_MAX_TRIPLES",
        100000,
        "Most triples inference may add to loaded data or to a POST /validate document (counted "
        "before any is made); more is refused (413, or exit 2).",
    ),
    Setting(
        "MAX_INCOMING_LINKS",
        50,
        "Most links into a resource that its document lists; the rest are one link away.",
    ),
    Setting("PUBLISHER_NAME", "ClusterLD", "Publisher of the dataset, named in the metadata."),
    Setting("PUBLISHER_URL", None, "Publisher's web site (default: the home page)."),
    Setting(
        "PUBLISHER_TYPE",
        "http://purl.org/adms/publishertype/NonProfitOrganisation",
        "Kind of publisher: one of the ADMS publisher-type IRIs (DCAT-AP).",
    ),
    Setting("CONTACT_EMAIL", "clusterld@example.org", "Contact e-mail in the metadata."),
    Setting("DATASET_ISSUED", "2026-11-26", "Date the dataset was first published (ISO 8601)."),
    Setting(
        "TEMPORAL_COVERAGE",
        "2021-03-31/..",
        "Period the data describes, an ISO 8601 interval ('..' leaves an end open).",
    ),
    Setting(
        "UPDATE_FREQUENCY", "IRREG", "How often the data changes: an EU frequency code (IRREG)."
    ),
    Setting(
        "VALIDATE_MAX_BYTES",
        2 * 1024 * 1024,
        "Largest body POST /validate accepts, in bytes (2 MiB); a larger one gets 413.",
    ),
    Setting(
        "VALIDATE_MAX_TRIPLES",
        10000,
        "Most triples in a document POST /validate checks; a larger one gets 413.",
    ),
)


REQUEST_GRACE = 5.0
"""Seconds a request may take besides its SPARQL time (reading, answering, a new worker)."""


def request_timeout(settings: Mapping[str, Any]) -> float:
    """Seconds the HTTP servers (gunicorn, nginx) give one request: a query may wait up to
    ``SPARQL_TIMEOUT`` for a free worker and then run up to ``SPARQL_TIMEOUT``, so twice that
    and a margin; shorter, a front server would cut answers the endpoint still gives."""
    return 2 * float(settings["SPARQL_TIMEOUT"]) + REQUEST_GRACE


def defaults() -> dict[str, Any]:
    """The default value of every setting, with dataset paths resolved."""
    root = dataset_root()
    values = {setting.name: setting.default for setting in SETTINGS}
    values["DATA_PATHS"] = [root / "data"]
    values["ONTOLOGY_PATHS"] = [root / "ontology"]
    values["SHAPES_PATHS"] = [root / "shapes"]
    return values


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings given as ``CLUSTERLD_<NAME>`` variables; path lists are split on ``os.pathsep``."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for setting in SETTINGS:
        value = environ.get(f"CLUSTERLD_{setting.name}")
        if value is None:
            continue
        found[setting.name] = value.split(os.pathsep) if setting.name.endswith("_PATHS") else value
    return found


def load(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, environment and ``overrides``; resolve paths to absolute ones."""
    values = {**defaults(), **from_environment(), **{k: v for k, v in (overrides or {}).items()}}
    for name in ("DATA_PATHS", "ONTOLOGY_PATHS", "SHAPES_PATHS"):
        paths = values[name]
        if isinstance(paths, str | Path):
            paths = [paths]
        values[name] = [Path(p).expanduser().resolve() for p in paths]
    return values
