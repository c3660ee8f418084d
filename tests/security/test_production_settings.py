"""Production settings refuse to start without real secrets, switch HTTPS on, and docker-compose.yml sets every
variable they require (it once set XUETU_SIGNING_P12 while the code read XUETU_SEALING_PKCS12)."""

import re
import runpy
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

REPO = Path(__file__).resolve().parents[2]
MODULE = "backend.config.settings.production"
APP_SERVICES = ("migrate", "web", "worker", "worker-documents", "beat")
GOOD = {
    "DJANGO_SECRET_KEY": "k7Qx2-" * 10,
    "DJANGO_ALLOWED_HOSTS": "xuetu.example.org",
    "DATABASE_URL": "postgres://xuetu:pw@db:5432/xuetu",
    "REDIS_URL": "redis://redis:6379/0",
    "XUETU_PUBLIC_URL": "https://xuetu.example.org",
    "XUETU_SEALING_PKCS12": "/run/secrets/seal.p12",
    "XUETU_SEALING_PASSPHRASE": "a-real-certificate-passphrase",
}
SECURITY_VARIABLES = (
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_PROXY_SSL_HEADER",
    "DJANGO_SECURE_HSTS_SECONDS",
    "DJANGO_SECURE_COOKIES",
    "XUETU_STORAGE",
)


def load(monkeypatch, **overrides: str | None) -> dict:
    for name in (*GOOD, *SECURITY_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**GOOD, **overrides}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return runpy.run_module(MODULE)


def test_the_production_settings_load_with_real_values(monkeypatch):
    settings = load(monkeypatch)
    assert settings["DEBUG"] is False
    assert settings["SECRET_KEY"] == GOOD["DJANGO_SECRET_KEY"]
    assert settings["XUETU_SEALING_PASSPHRASE"] == "a-real-certificate-passphrase"
    # HTTPS by default: HSTS for a year, the redirect (but not for the container's health check), secure cookies
    assert settings["SECURE_HSTS_SECONDS"] == 31_536_000
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert any(re.match(p, "healthz") for p in settings["SECURE_REDIRECT_EXEMPT"])
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    # the proxy header is trusted only when the operator says a proxy sets it
    assert "SECURE_PROXY_SSL_HEADER" not in settings
    assert settings["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_behind_a_proxy_the_forwarded_protocol_is_trusted_and_the_redirect_can_go(monkeypatch):
    settings = load(monkeypatch, DJANGO_SECURE_PROXY_SSL_HEADER="1", DJANGO_SECURE_SSL_REDIRECT="0")
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["SECURE_SSL_REDIRECT"] is False


@pytest.mark.parametrize("name", sorted(GOOD))
@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_required_variable_refuses_to_start(monkeypatch, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        load(monkeypatch, **{name: value})


@pytest.mark.parametrize(
    "key",
    ["dev-only-not-secret-xuetu", "django-insecure-" + "x1y2z3" * 10, "short-but-random-Qx9", "a" * 60],
)
def test_a_development_short_or_trivial_secret_key_refuses_to_start(monkeypatch, key):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load(monkeypatch, DJANGO_SECRET_KEY=key)


def test_the_development_sealing_passphrase_refuses_to_start(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="XUETU_SEALING_PASSPHRASE"):
        load(monkeypatch, XUETU_SEALING_PASSPHRASE="development")


def test_sqlite_refuses_to_start(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
        load(monkeypatch, DATABASE_URL="sqlite:////tmp/x.sqlite3")


def test_the_dockerfile_s_build_values_load_the_settings(monkeypatch):
    # the image build runs collectstatic under these settings with throw-away values
    dockerfile = (REPO / "Dockerfile").read_text()
    step = dockerfile.split("RUN mkdir -p /var/lib/xuetu")[1].split("manage.py collectstatic")[0]
    build = dict(re.findall(r"\b([A-Z0-9_]+)=([^\s\\]+)", step))
    build["DJANGO_SECRET_KEY"] = "generated-at-build-" * 4  # the Dockerfile generates one with secrets
    assert set(GOOD) <= set(build)
    load(monkeypatch, **{name: build[name] for name in GOOD})


# --- docker-compose.yml ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def required() -> tuple[str, ...]:
    source = (REPO / "backend/config/settings/production.py").read_text()
    block = re.search(r"REQUIRED_VARIABLES = \((.*?)\)", source, re.S)
    assert block
    return tuple(re.findall(r'"([A-Z0-9_]+)"', block.group(1)))


def test_the_required_variables_are_the_ones_the_settings_check(required):
    assert set(required) == set(GOOD)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_app_service_sets_every_required_variable(compose, required, service):
    environment = compose["services"][service]["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == MODULE
    for name in required:
        value = str(environment.get(name) or "")
        assert value.strip(), f"{service} does not set {name}"
        # a secret comes from .env and compose refuses to start without it: ${NAME:?message}
        for reference, operator in re.findall(r"\$\{([A-Z0-9_]+)(:\?|:-|-|\?)?", value):
            assert operator in (":?", "?", ""), f"{service}: {name} falls back to a default for {reference}"


def test_every_variable_compose_sets_is_read_by_the_code(compose):
    code = "\n".join(
        p.read_text() for d in ("backend", "worker", "contracts") for p in (REPO / d).rglob("*.py")
    )
    for service in APP_SERVICES:
        for name in compose["services"][service]["environment"]:
            if name.startswith(("XUETU_", "DJANGO_")) and name != "DJANGO_SETTINGS_MODULE":
                assert f'"{name}"' in code, f"{service} sets {name}, which no code reads"


def test_the_sealing_certificate_is_mounted_where_the_settings_look(compose):
    for service in APP_SERVICES:
        definition = compose["services"][service]
        target = definition["environment"]["XUETU_SEALING_PKCS12"]
        assert any(volume.split(":")[1] == target for volume in definition["volumes"]), service


def test_env_example_names_every_secret_compose_requires(compose):
    values = [
        str(v)
        for service in compose["services"].values()
        for v in (service.get("environment") or {}).values()
    ]
    secrets = set(re.findall(r"\$\{([A-Z0-9_]+):\?", "\n".join(values)))
    example = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.M))
    assert secrets and secrets <= example


# --- storage -----------------------------------------------------------------------------------------------------


def test_an_s3_compatible_store_is_chosen_by_configuration(monkeypatch):
    # given a MinIO-style configuration
    settings = load(
        monkeypatch,
        XUETU_STORAGE="s3",
        XUETU_S3_BUCKET="xuetu-files",
        XUETU_S3_ENDPOINT_URL="http://minio:9000",
        XUETU_S3_ACCESS_KEY_ID="xuetu",
        XUETU_S3_SECRET_ACCESS_KEY="secret-key-123",
        XUETU_S3_ADDRESSING_STYLE="path",
        XUETU_S3_PREFIX="prod",
    )
    default = settings["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    # then django-storages accepts the options as they are (no request is made until a file is touched)
    from storages.backends.s3 import S3Storage

    storage = S3Storage(**default["OPTIONS"])
    assert (storage.bucket_name, storage.endpoint_url, storage.location) == (
        "xuetu-files",
        "http://minio:9000",
        "prod",
    )
    assert storage.default_acl is None and storage.querystring_auth and not storage.file_overwrite
    # static files stay with whitenoise in the image
    assert settings["STORAGES"]["staticfiles"]["BACKEND"].startswith("whitenoise.")


def test_s3_without_a_bucket_or_an_unknown_store_refuses_to_start(monkeypatch):
    monkeypatch.delenv("XUETU_S3_BUCKET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="XUETU_S3_BUCKET"):
        load(monkeypatch, XUETU_STORAGE="s3")
    with pytest.raises(ImproperlyConfigured, match="XUETU_STORAGE"):
        load(monkeypatch, XUETU_STORAGE="ftp")


def test_compose_passes_the_storage_configuration_to_every_app_service(compose):
    names = ("XUETU_STORAGE", "XUETU_S3_BUCKET", "XUETU_S3_ENDPOINT_URL", "XUETU_S3_ACCESS_KEY_ID")
    for service in APP_SERVICES:
        environment = compose["services"][service]["environment"]
        assert all(name in environment for name in names), service


def test_redis_keeps_its_append_only_file_on_a_volume(compose):
    # queued task messages survive a Redis restart (README, "Where state lives")
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "everysec"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
    assert "redisdata" in compose["volumes"]
