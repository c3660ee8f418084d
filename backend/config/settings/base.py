"""Settings shared by every environment. Values that differ per machine come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("XUETU_VAR_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: bool) -> bool:
    """A yes/no setting from the environment: 1/true/yes/on or 0/false/no/off."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


# Development defaults; production.py refuses to start with either.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret-xuetu"
DEVELOPMENT_SEALING_PASSPHRASE = "development"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "backend.core",
    "backend.accounts",
    "backend.schools",
    "backend.companies",
    "backend.placements",
    "backend.notices",
    "backend.agreements",
    "backend.signing",
    "backend.rules",
    "backend.assessments",
    "backend.subsidy",
    "backend.matching",
    "backend.attendance",
    "backend.journals",
    "backend.training",
    "backend.reports",
    "backend.lifecycle",
    "backend.changes",
    "backend.checklist",
    "backend.portal",
    "backend.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.api.middleware.ApiEdgeMiddleware",  # /api/v1/: body size and JSON depth, 404 and 500 in the shape
    "django.contrib.sessions.middleware.SessionMiddleware",
    "backend.portal.middleware.ChineseFirstLocaleMiddleware",  # Chinese unless English was chosen
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its answer
    # Last, so that it sees the views' exceptions first: a database that is down answers 503, never a bare 500.
    "backend.core.middleware.DatabaseUnavailableMiddleware",
]

# Content-Security-Policy (django-csp): the portal loads only its own scripts, styles, fonts and images, runs no
# inline script or style, and is framed by nobody. The Swagger page (/api/docs/) loads its UI from a CDN with an
# inline script: it is left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:"],
        "worker-src": [SELF, "blob:"],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "backend.config.urls"
WSGI_APPLICATION = "backend.config.wsgi.application"
ASGI_APPLICATION = "backend.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates" / "html"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# PostgreSQL whenever DATABASE_URL is set; the zero-setup default of `make run` is SQLite under var/.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'xuetu.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out account or address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes, backend/accounts/login.py): failures count per account and, separately, per
# address; past the limit both the portal and the token endpoint refuse, even the right password, for the cool-off.
AXES_FAILURE_LIMIT = int(os.environ.get("XUETU_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("XUETU_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = (
    False  # the cool-off ends when it says, however often one retries
)
AXES_LOCKOUT_CALLABLE = "backend.accounts.login.lockout_response"
AXES_CLIENT_IP_CALLABLE = "backend.accounts.login.client_ip"
AXES_VERBOSE = False
# Reverse proxies in front of the web server that append the client's address to X-Forwarded-For (0: none).
XUETU_TRUSTED_PROXIES = int(os.environ.get("XUETU_TRUSTED_PROXIES", "0"))
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The empty choice of the portal's list filters (django-filter): "全部 / All" rather than Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("全部")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "templates" / "static"] if (BASE_DIR / "templates" / "static").exists() else []
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("XUETU_MEDIA_ROOT", VAR_DIR / "media"))
# Uploaded and generated files are served only through scoped views, never from MEDIA_URL directly.


def storages_from_environment(*, production: bool) -> dict:
    """Django's STORAGES from the environment. XUETU_STORAGE=filesystem (the default: MEDIA_ROOT, one machine or a
    shared volume) or s3 (an S3-compatible object store through django-storages, shared by web and documents
    workers on different machines: AWS S3, MinIO, Ceph, OSS/COS in S3 mode). Files stay private: signed URLs,
    no public ACL, never overwritten."""
    kind = os.environ.get("XUETU_STORAGE", "filesystem").strip().lower()
    if kind == "s3":
        options = {
            "bucket_name": os.environ.get("XUETU_S3_BUCKET", ""),
            "endpoint_url": os.environ.get("XUETU_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("XUETU_S3_REGION") or None,
            "access_key": os.environ.get("XUETU_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("XUETU_S3_SECRET_ACCESS_KEY") or None,
            "addressing_style": os.environ.get("XUETU_S3_ADDRESSING_STYLE") or None,  # "path" for MinIO
            "location": os.environ.get("XUETU_S3_PREFIX", ""),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        }
        if not options["bucket_name"]:
            raise ImproperlyConfigured("XUETU_STORAGE=s3 needs XUETU_S3_BUCKET")
        default = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    elif kind == "filesystem":
        default = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    else:
        raise ImproperlyConfigured(f"XUETU_STORAGE must be filesystem or s3, not {kind!r}")
    static = (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if production
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    return {"default": default, "staticfiles": {"BACKEND": static}}


STORAGES = storages_from_environment(production=False)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# JSON bodies under /api/v1/ nested deeper than this are refused (400) before a parser recurses into them.
XUETU_API_MAX_JSON_DEPTH = 64

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "backend.api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.api.exception_handler.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "xuetu 学徒 API",
    "DESCRIPTION": (
        "Modern apprenticeship placements, agreements, rules and subsidies.\n\n"
        'Every error answers `{"error": {"code", "message" (Chinese), "message_en", "details"}}`. '
        "Date-times are ISO 8601 with their offset (`2026-09-01T08:00:00+08:00`); one given without an offset is "
        "read in Asia/Shanghai, the zone of the working-time rules. Dates lie between 2000-01-01 and ten years "
        "from today; JSON bodies nest at most 64 levels."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ works offline: Swagger UI from drf-spectacular-sidecar's static files, never a CDN
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AgreementKindEnum": "backend.agreements.models.AgreementKind.choices",
        "AgreementStatusEnum": "backend.agreements.models.AgreementStatus.choices",
        "SigningEnvelopeStatusEnum": "backend.signing.models.EnvelopeStatus.choices",
        "SignatureRequestStatusEnum": "backend.signing.models.RequestStatus.choices",
        "PlacementStatusEnum": "backend.placements.models.PlacementStatus.choices",
        "InsuranceKindEnum": "backend.placements.models.InsuranceKind",
        "ShiftKindEnum": "backend.rules.models.ShiftKind",
        "HolidayKindEnum": "backend.rules.models.HolidayKind",
        "ViolationStatusEnum": "backend.rules.models.ViolationStatus",
        "AssessmentStatusEnum": "backend.assessments.models.AssessmentStatus.choices",
        "ClaimStatusEnum": "backend.subsidy.models.ClaimStatus.choices",
        "SigningPartyEnum": "backend.signing.models.Party.choices",
        "AssessmentPartyEnum": "backend.assessments.models.Party.choices",
        "TrainingPartyEnum": "backend.training.models.Party.choices",
        "TrainingPlanStatusEnum": "backend.training.models.PlanStatus.choices",
        "SignOffStatusEnum": "backend.training.models.SignOffStatus.choices",
        "EvaluationStatusEnum": "backend.training.models.EvaluationStatus.choices",
        "JournalKindEnum": "backend.journals.models.JournalKind.choices",
        "JournalStatusEnum": "backend.journals.models.JournalStatus.choices",
        "PauseReasonEnum": "backend.lifecycle.models.PauseReason.choices",
        "TerminationReasonEnum": "backend.lifecycle.models.TerminationReason.choices",
        "TerminationPartyEnum": "backend.lifecycle.models.TerminationParty.choices",
        "TerminationStatusEnum": "backend.lifecycle.models.TerminationStatus.choices",
        "InjurySeverityEnum": "backend.lifecycle.models.InjurySeverity.choices",
        "InjuryClaimStatusEnum": "backend.lifecycle.models.ClaimStatus.choices",
        "PunchKindEnum": "backend.attendance.models.PunchKind.choices",
        "LeaveKindEnum": "backend.attendance.models.LeaveKind.choices",
        "AttendanceRequestStatusEnum": "backend.attendance.models.RequestStatus.choices",
        "AttendanceDecisionEnum": "backend.attendance.models.Decision.choices",
    },
}

# Celery. Redis when REDIS_URL is set; otherwise an embedded broker on the file system under var/ (no server,
# tasks still run in the worker process).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "default"
# Documents work (rendering, LibreOffice, sealing) has its own queue and workers; the worker app and the
# backend's producer (backend/core/queue.py) both read this.
CELERY_TASK_ROUTES = {"documents.*": {"queue": "documents"}}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xuetu <noreply@xuetu.local>")

# Public base URL used in links sent by SMS, e-mail and printed on sealed agreements.
XUETU_PUBLIC_URL = os.environ.get("XUETU_PUBLIC_URL", "http://127.0.0.1:8000")

# Online signing (backend.signing). SMS backends: backend.signing.sms.ConsoleSmsBackend (development: the log),
# backend.signing.sms.LocmemSmsBackend (tests), or a provider's class with send_messages().
XUETU_SMS_BACKEND = os.environ.get("XUETU_SMS_BACKEND", "backend.signing.sms.ConsoleSmsBackend")
XUETU_SIGNING_LINK_DAYS = int(os.environ.get("XUETU_SIGNING_LINK_DAYS", "7"))
XUETU_SIGNING_CODE_MINUTES = 10
XUETU_SIGNING_CODE_MAX_ATTEMPTS = 5
XUETU_SIGNING_CODE_MAX_PER_DAY = 5
XUETU_SIGNING_CODE_RESEND_SECONDS = 60
XUETU_SIGNING_REMINDER_HOURS = int(os.environ.get("XUETU_SIGNING_REMINDER_HOURS", "24"))
# The platform's sealing certificate: a PKCS#12 file and its passphrase, from the environment. `make run` creates a
# development one under var/sealing/ (python -m contracts.sealing.devcert); a key is never committed.
XUETU_SEALING_PKCS12 = os.environ.get("XUETU_SEALING_PKCS12", str(VAR_DIR / "sealing" / "seal.p12"))
XUETU_SEALING_PASSPHRASE = os.environ.get("XUETU_SEALING_PASSPHRASE", DEVELOPMENT_SEALING_PASSPHRASE)
XUETU_SEALING_TIMESTAMP_URL = os.environ.get("XUETU_SEALING_TIMESTAMP_URL", "")
XUETU_SEALING_PAST_CERTIFICATES = [
    p for p in os.environ.get("XUETU_SEALING_PAST_CERTIFICATES", "").split(",") if p
]

# Rules audit: connections the full working-time audit may use at once (its weeks are split between them).
# Default: the cores of this machine, at most 4 (PostgreSQL usually runs beside the worker).
XUETU_AUDIT_WORKERS = max(1, int(os.environ.get("XUETU_AUDIT_WORKERS", min(os.cpu_count() or 1, 4))))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
