"""The site's icon: every page names it, and ``/favicon.ico`` answers where browsers look.

Without it, every page load logged a 404 in the browser's console.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_favicon_ico_is_an_icon(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # ICONDIR: reserved 0, type 1 (icon)
    assert response.data[4:6] == b"\x01\x00"  # one image
    assert b"\x89PNG" in response.data
    assert "max-age" in response.headers["Cache-Control"]
    response.close()


def test_the_svg_icon_is_an_svg_drawing(client: FlaskClient) -> None:
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert ET.fromstring(response.data).tag == "{http://www.w3.org/2000/svg}svg"
    response.close()


@pytest.mark.parametrize("path", ["/", "/catalog", "/doc/cluster/industrial", "/sparql"])
def test_every_page_names_both_icons(client: FlaskClient, path: str) -> None:
    page = client.get(path, headers={"Accept": BROWSER}).get_data(as_text=True)
    icons = dict(re.findall(r'<link rel="icon" href="([^"]+)"([^>]*)>', page))
    assert set(icons) == {"/favicon.ico", "/static/favicon.svg"}, path
    assert 'type="image/svg+xml"' in icons["/static/favicon.svg"]
    for href in icons:
        response = client.get(href)
        assert response.status_code == 200, href
        response.close()
