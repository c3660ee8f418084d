from django.core.management import call_command


def test_the_openapi_schema_builds_without_warnings(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning (e.g. an enum name collision) into a failure
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yml"))
    text = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/subsidy-claims/{id}/approve/" in text
    assert "/api/v1/assessments/{id}/scores/" in text
