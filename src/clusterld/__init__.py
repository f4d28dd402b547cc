"""ClusterLD: publish education-industry clusters as validated Linked Open Data."""

from __future__ import annotations

__version__ = "0.1.0"

from clusterld.web.app import create_app  # noqa: E402  (after __version__, which modules import)

__all__ = ["__version__", "create_app"]
