import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command

from tests.factories.placements import PlacementFactory


def test_the_openapi_schema_builds_without_warnings(capsys):
    # drf-spectacular's --fail-on-warn turns every warning into a failure
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", "/dev/null")
    captured = capsys.readouterr()
    assert "Warning" not in captured.err and "Error" not in captured.err


@pytest.mark.django_db
def test_the_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_every_domain_model_has_an_admin():
    domain_apps = {"core", "accounts", "schools", "companies", "placements", "notices"}
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in domain_apps and m not in admin.site._registry
    ]
    assert missing == ["core.Heartbeat"] or missing == []


@pytest.mark.django_db
def test_admin_change_lists_load_for_every_model(admin_client):
    PlacementFactory()
    for model in admin.site._registry:
        opts = model._meta
        response = admin_client.get(f"/admin/{opts.app_label}/{opts.model_name}/")
        assert response.status_code == 200, opts.label
