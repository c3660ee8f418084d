"""Production: PostgreSQL, Redis and secrets from the environment; refuse to start without them.

Every variable in REQUIRED_VARIABLES must be set (docker-compose.yml sets them, the secrets from .env; a test
checks the two agree). HTTPS: HSTS and the redirect to https are on by default; behind a reverse proxy that
terminates TLS, set DJANGO_SECURE_PROXY_SSL_HEADER=1 (the proxy must set X-Forwarded-Proto and strip a client's).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEVELOPMENT_SEALING_PASSPHRASE, DEVELOPMENT_SECRET_KEY, env_flag, storages_from_environment

REQUIRED_VARIABLES = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "XUETU_PUBLIC_URL",
    "XUETU_SEALING_PKCS12",
    "XUETU_SEALING_PASSPHRASE",
)
missing = [name for name in REQUIRED_VARIABLES if not os.environ.get(name, "").strip()]
if missing:
    raise ImproperlyConfigured(f"production needs these environment variables: {', '.join(missing)}")

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
if (
    SECRET_KEY == DEVELOPMENT_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be a real secret of at least 50 characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
XUETU_SEALING_PASSPHRASE = os.environ["XUETU_SEALING_PASSPHRASE"]
if XUETU_SEALING_PASSPHRASE == DEVELOPMENT_SEALING_PASSPHRASE:
    raise ImproperlyConfigured(
        "XUETU_SEALING_PASSPHRASE is the development default: set the certificate's own"
    )
if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("production needs PostgreSQL: DATABASE_URL=postgres://...")

# HTTPS. The health check (docker-compose.yml) asks over plain HTTP inside the container.
SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_flag("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_flag("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES = storages_from_environment(production=True)
