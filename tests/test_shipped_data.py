"""The shipped data conforms to the shipped shapes."""

from __future__ import annotations

from clusterld import config
from clusterld.dataset.loading import load_graph
from clusterld.shacl.engine import validate


def test_shipped_data_conforms() -> None:
    settings = config.load()
    base = settings["SOURCE_BASE"]
    data = load_graph(settings["DATA_PATHS"], source_base=base, base=base)
    shapes = load_graph(settings["SHAPES_PATHS"], source_base=base, base=base)
    report = validate(data, shapes)
    assert report.conforms, report.text
