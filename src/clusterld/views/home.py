"""The home page."""

from __future__ import annotations

from flask import Blueprint, Response

from clusterld.store import get_store

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Response:
    store = get_store()
    return Response(f"ClusterLD: {len(store.data)} triples\n", mimetype="text/plain")
