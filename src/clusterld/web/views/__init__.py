"""HTTP endpoints, one blueprint per family; ``register_blueprints`` adds them all."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of ClusterLD on ``app``."""
    from clusterld.web.views import health, home, resources, sparql, validate

    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(validate.bp)

    from clusterld.web.views import metadata

    app.register_blueprint(metadata.bp)
