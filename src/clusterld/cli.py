"""The ``clusterld`` command: validate (and, later, serve) the dataset.

Exit codes: 0 success or the data conforms, 1 the data does not conform,
2 usage, configuration or input error (a file that cannot be read or parsed).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rdflib import Graph
from rdflib.namespace import RDF, SH

from clusterld import __version__, config
from clusterld.dataset.inference import InferenceTooLarge, materialise, source_of
from clusterld.dataset.loading import load_graph
from clusterld.errors import ClusterLDError
from clusterld.shacl.engine import validate
from clusterld.shacl.text_report import LANGUAGES, format_text

F = TypeVar("F", bound=Callable[..., Any])

REPORT_FORMATS = {"text": None, "turtle": "turtle", "json-ld": "json-ld"}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clusterld")
def cli() -> None:
    """ClusterLD: publish education-industry clusters as validated Linked Open Data."""


def _data_option(verb: str) -> Callable[[F], F]:
    """``--data``, the same option for every command that publishes the data."""
    return click.option(
        "--data",
        "data_paths",
        multiple=True,
        type=click.Path(path_type=Path),
        help=f"Data files or folders to {verb} instead of the shipped data (repeatable).",
    )


def _base_uri_option(help_text: str) -> Callable[[F], F]:
    """``--base-uri`` of the commands that write a version or a site (default: local)."""
    return click.option(
        "--base-uri", default="http://localhost:8080/", show_default=True, help=help_text
    )


def _overrides(base_uri: str, data_paths: tuple[Path, ...]) -> dict[str, object]:
    """The settings ``serve`` and ``build`` pass to the app: the base, and ``--data`` if given."""
    overrides: dict[str, object] = {"BASE_URI": base_uri}
    if data_paths:
        overrides["DATA_PATHS"] = list(data_paths)
    return overrides


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--shapes",
    "shapes_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="SHACL shapes to validate against (default: the shipped shapes/).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the readable report.",
)
@click.option(
    "--format",
    "report_format",
    type=click.Choice(tuple(REPORT_FORMATS)),
    default="text",
    show_default=True,
    help="text: a readable report; turtle, json-ld: the sh:ValidationReport.",
)
def validate_command(
    paths: tuple[Path, ...], shapes_paths: tuple[Path, ...], lang: str, report_format: str
) -> None:
    """Validate RDF files or folders (default: the shipped data) against the SHACL shapes.

    Files are read by extension: .ttl, .nt, .jsonld/.json, .rdf/.owl/.xml.
    Exit 0 when the data conforms, 1 when it does not, 2 when input cannot be read.
    """
    settings = config.load()
    base = settings["SOURCE_BASE"]
    data_paths = list(paths) or settings["DATA_PATHS"]
    shape_paths = list(shapes_paths) or settings["SHAPES_PATHS"]
    data = _load_or_exit(data_paths, base)
    shapes = _load_or_exit(shape_paths, base)
    if not any(shapes.subjects(RDF.type, SH.NodeShape)) and not any(
        shapes.subjects(RDF.type, SH.PropertyShape)
    ):
        names = ", ".join(str(p) for p in shape_paths)
        click.echo(f"error: {names}: no SHACL shapes found; nothing to validate against", err=True)
        sys.exit(2)
    # Validate what would be published: with the super-types and shortcuts that loading adds.
    ontology = _load_or_exit(settings["ONTOLOGY_PATHS"], base)
    try:
        materialise(data, ontology, max_derived=int(settings["INFERENCE_MAX_TRIPLES"]))
    except InferenceTooLarge as error:
        click.echo(f"error: {source_of(error, data_paths)}: {error.detail}", err=True)
        sys.exit(2)
    report = validate(data, shapes)
    rdf_format = REPORT_FORMATS[report_format]
    if rdf_format is None:
        click.echo(format_text(report, data, shapes, lang=lang), nl=False)
    else:
        click.echo(report.results_graph.serialize(format=rdf_format))
    sys.exit(0 if report.conforms else 1)


@cli.command("publish")
@click.option(
    "--store",
    "store",
    required=True,
    help="Store folder to publish into (created if missing), or the SPARQL query endpoint "
    "URL of a remote store (with STORE_UPDATE_URL and STORE_GSP_URL set).",
)
@_base_uri_option("Base IRI the dataset is published under (its IRIs are rewritten to it).")
@_data_option("publish")
def publish_command(store: str, base_uri: str, data_paths: tuple[Path, ...]) -> None:
    """Load, validate and write a new version of the dataset into a store, then make it
    current: servers started with --store (or sent SIGHUP) serve it.

    Publishing content that is already published reuses that version.  Exit 1 if the data
    does not conform (the current version stays current), 2 on unreadable input, 3 when a
    remote store did not take the version (what it served stays current).
    """
    from clusterld.dataset.endpoint import is_remote, shown
    from clusterld.dataset.store import InvalidDataError
    from clusterld.publishing.progress import Progress
    from clusterld.publishing.publish import publish
    from clusterld.publishing.remote import publish_remote
    from clusterld.web.server import configure_logging, print_refusal

    configure_logging()
    if (
        is_remote(store)
        and click.get_current_context().get_parameter_source("base_uri")
        is not click.core.ParameterSource.COMMANDLINE
    ):
        raise click.UsageError(
            "publishing into a remote store needs --base-uri: one store holds the datasets of "
            "several deployments, and the default would overwrite another's"
        )
    settings = config.load(_overrides(base_uri, data_paths))
    try:
        if is_remote(store):
            version = publish_remote({**settings, "STORE": store}, progress=Progress())
            click.echo(f"Published version {version} in {shown(store)}; it is now current.")
            return
        folder = publish(settings, Path(store), progress=Progress())
    except InvalidDataError as error:
        print_refusal(error, action="nothing was published")
        sys.exit(1)
    except ClusterLDError as error:
        click.echo(f"error: {error.detail}", err=True)
        sys.exit(3 if is_remote(store) and error.status >= 500 else 2)
    except OSError as error:
        click.echo(f"error: {store}: cannot write the store ({error.strerror})", err=True)
        sys.exit(2)
    click.echo(f"Published version {folder.name} in {store}; it is now current.")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--base-uri",
    help="Base IRI the dataset is published under (default: http://HOST:PORT/; with --store, "
    "the store's own).",
)
@_data_option("serve")
@click.option(
    "--store",
    help="Serve the current version of a store written by 'clusterld publish' (read-only): "
    "a folder, or the SPARQL query endpoint URL of a remote store (with --base-uri).",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Per process."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (gunicorn when more than 1; needs --store). About one per core.",
)
@click.option(
    "--log-format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Log lines as text, or as one JSON object a line.",
)
@click.option("--log-health", is_flag=True, help="Log /healthz and /readyz requests too.")
def serve_command(
    host: str,
    port: int,
    base_uri: str | None,
    data_paths: tuple[Path, ...],
    store: str | None,
    threads: int,
    workers: int,
    log_format: str,
    log_health: bool,
) -> None:
    """Serve the dataset as Linked Data (the shipped dataset when given no arguments).

    Without --store, the data is published first into a cache (reused while it is
    unchanged); invalid data is never served (exit 1, with the report).  With --store, the
    store's current version is served and SIGHUP switches to the newest one.  Stops
    cleanly on Ctrl-C or SIGTERM (with --workers, requests in flight finish first).

    Production: clusterld publish --store DIR, then clusterld serve --store DIR --workers N
    behind nginx (clusterld nginx-config).
    """
    from clusterld.web.server import run_server

    if workers > 1 and store is None:
        raise click.UsageError(
            "--workers needs --store: publish the data once (clusterld publish --store DIR), "
            "then every worker serves that store's current version"
        )
    if store is not None:
        if data_paths:
            raise click.UsageError("--data and --store exclude each other: publish the data first")
        overrides: dict[str, object] = {"STORE": store}
        if base_uri:
            overrides["BASE_URI"] = base_uri
    else:
        overrides = _overrides(base_uri or _listen_base(host, port), data_paths)
    code = run_server(
        overrides,
        host=host,
        port=port,
        threads=threads,
        workers=workers,
        log_format=log_format,
        log_health=log_health,
    )
    sys.exit(code)


@cli.command("build")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write the site into (created if missing).",
)
@_base_uri_option("Base IRI the static site will be published under.")
@_data_option("publish")
def build_command(out: Path, base_uri: str, data_paths: tuple[Path, ...]) -> None:
    """Write the whole site as static files, for a web server without Python.

    Dumps, catalog, VoID, sitemap, every document in every format and every page, plus
    nginx.conf and .htaccess for content negotiation and 303 redirects.  Exit 1 if the
    data does not conform to the shapes (nothing is written).
    """
    from clusterld.dataset.store import InvalidDataError
    from clusterld.publishing.build import build
    from clusterld.web.app import create_app
    from clusterld.web.server import print_refusal

    try:
        app = create_app(_overrides(base_uri, data_paths))
    except InvalidDataError as error:
        print_refusal(error, action="nothing was written")
        sys.exit(1)
    except ClusterLDError as error:
        click.echo(f"error: {error.detail}", err=True)
        sys.exit(2)
    site = build(app, out)
    click.echo(
        f"Wrote {len(site.files)} files for {len(site.negotiated)} negotiated URLs to {out}; "
        f"serve it with {out / 'nginx.conf'} (or .htaccess)."
    )


@cli.command("nginx-config")
@click.option(
    "--upstream",
    "upstreams",
    multiple=True,
    default=("127.0.0.1:8080",),
    show_default=True,
    help="Address of a ClusterLD server (repeatable: several hosts).",
)
@click.option("--listen", default="80", show_default=True, help="nginx's listen address.")
@click.option("--server-name", default="_", show_default=True, help="nginx's server_name.")
@click.option(
    "--base-uri",
    help="Public base IRI, for its path (default: BASE_URI, else the site root).",
)
@click.option(
    "--run-dir",
    default="/tmp/clusterld-nginx-proxy",
    show_default=True,
    help="Folder for nginx's pid file and temporary files.",
)
def nginx_config_command(
    upstreams: tuple[str, ...], listen: str, server_name: str, base_uri: str | None, run_dir: str
) -> None:
    """Print an nginx configuration that proxies to a live ClusterLD (clusterld serve).

    Timeouts and size limits follow the settings (CLUSTERLD_SPARQL_TIMEOUT, ...), so set the
    same environment as the server's when generating it.
    """
    from clusterld.publishing.server_config import nginx_proxy_config

    settings = config.load({"BASE_URI": base_uri} if base_uri else None)
    click.echo(
        nginx_proxy_config(
            settings, upstreams=upstreams, listen=listen, server_name=server_name, run_dir=run_dir
        ),
        nl=False,
    )


def _listen_base(host: str, port: int) -> str:
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def _load_or_exit(paths: list[Path], base: str) -> Graph:
    try:
        return load_graph(paths, source_base=base, base=base)
    except ClusterLDError as error:
        click.echo(f"error: {error.detail}", err=True)
        sys.exit(2)


def main() -> None:
    """Console-script entry point."""
    cli()
