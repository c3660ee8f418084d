"""/api/docs/ works without the internet (Swagger UI from our own static files) and /api/schema/ downloads."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_docs_page_references_only_same_site_assets(client):
    # when the docs page is opened
    response = client.get("/api/docs/")
    html = response.content.decode()
    # then every script, style sheet and image it loads is on this site and exists among the static files
    assert response.status_code == 200
    references = re.findall(r'(?:src|href)\s*=\s*"([^"]+)"', html)
    assert references, html[:500]
    external = [r for r in references if re.match(r"^(?:[a-z]+:)?//", r)]
    assert not external
    assert "cdn" not in html.lower() and "@latest" not in html
    static = [r for r in references if r.startswith("/static/")]
    assert any(r.endswith("swagger-ui-bundle.js") for r in static)
    for ref in static:
        assert finders.find(ref.removeprefix("/static/")), ref
    # and the schema it reads is ours
    assert "/api/schema/" in html


def test_the_schema_downloads_as_xuetu_openapi_yaml(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="xuetu-openapi.yaml"'
    assert response.content.startswith(b"openapi: 3")


def test_the_schema_as_json_downloads_as_json(client):
    response = client.get("/api/schema/?format=json")
    assert response["Content-Disposition"] == 'attachment; filename="xuetu-openapi.json"'
