"""The pages over plain HTTP: served without credentials, offline (no external origin, no
inline script), framing rules, static assets, and the API around them unchanged."""

from __future__ import annotations

import re

import pytest
from django.test import Client

PAGES = ["/", "/public/", "/staff/"]


@pytest.fixture
def client():
    return Client()


@pytest.mark.parametrize("path", PAGES)
def test_page_is_html_without_credentials_and_loads_nothing_from_elsewhere(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "external asset"
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    assert all('src="/static/web/' in tag for tag in scripts), scripts
    bodies = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.DOTALL)
    assert bodies == [""] * len(scripts), "inline script"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "http" not in csp


@pytest.mark.parametrize("path", ["/", "/staff/"])
def test_signed_in_pages_cannot_be_framed(client, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_public_widget_may_be_framed(client):
    response = client.get("/public/")
    assert "X-Frame-Options" not in response
    assert "frame-ancestors" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", PAGES)
def test_every_referenced_static_file_is_served(client, path):
    html = client.get(path).content.decode()
    assets = set(re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html))
    assert len(assets) >= 2
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content)
        if asset.endswith(".js"):
            # ES modules: every relative import must be served too.
            for module in re.findall(rb'from "\./([\w.]+)"', body):
                assert client.get(f"/static/web/{module.decode()}").status_code == 200


def test_pages_answer_only_safe_methods(client):
    assert client.post("/").status_code == 405
    assert client.head("/staff/").status_code == 200


def test_unknown_paths_keep_the_json_404(client):
    for path in ("/nope/", "/public", "/staff/x/", "/static/web/missing.js"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}


def test_schema_leaves_the_pages_out(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["paths"]
    assert all(path.startswith(("/api/", "/api-auth/")) for path in schema["paths"])


def test_every_page_links_the_site_icon_from_the_server(client):
    for path in PAGES:
        html = client.get(path).content.decode()
        icons = re.findall(r'<link rel="icon" href="([^"]+)"', html)
        assert icons == ["/static/web/favicon.ico", "/static/web/favicon.svg"], path
    svg = b"".join(client.get("/static/web/favicon.svg").streaming_content)
    assert svg.startswith(b"<svg ")
    assert b"http://www.w3.org/2000/svg" in svg


def test_favicon_ico_is_served_for_pages_that_link_no_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response["Cache-Control"] == "public, max-age=86400"
    icon = response.content
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO header
    count = int.from_bytes(icon[4:6], "little")
    sizes = sorted(icon[6 + 16 * i] for i in range(count))
    assert sizes == [16, 32, 48]
    assert b"\x89PNG" in icon
    assert icon == b"".join(client.get("/static/web/favicon.ico").streaming_content)
    assert client.head("/favicon.ico").status_code == 200
    assert client.post("/favicon.ico").status_code == 405
