import yaml
from django.core.management import call_command


def test_openapi_schema_builds_without_warnings_and_lists_signing(tmp_path):
    # when
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    # then
    paths = yaml.safe_load(out.read_text())["paths"]
    assert "/api/v1/verify/" in paths
    assert "/api/v1/signing/links/{request_id}/{token}/sign/" in paths
    assert "/api/v1/signing/requests/{id}/sign/" in paths
