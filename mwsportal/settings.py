"""Settings for MWS Portal, all driven by environment variables.

With an empty environment the portal runs in development mode: SQLite in ``var/``, Celery on a
local SQLite-backed transport, a file cache, files under ``var/media`` and the bundled MWS sandbox
as the MWS endpoint. Production sets ``DEBUG=false`` and the secrets listed in README.md; a missing
secret stops start-up with a message naming the variable.
"""

from __future__ import annotations

import re
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from mwsportal.env import Env
from mwsportal.gateway.mws import REGIONS as MWS_ENDPOINT_REGIONS
from mwsportal.gateway.mws import InvalidParameterError, build_user_agent

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules
# Where the embedded default keeps its database, broker, cache, files and development keys.
# A test run gets a fresh folder of its own so it never touches the development data.
DATA_DIR = Path(
    env.str("MWSPORTAL_DATA_DIR")
    or (tempfile.mkdtemp(prefix="mwsportal-test-") if TESTING else str(BASE_DIR / "var"))
).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", True)


def _development_secret(filename: str, make: Callable[[], str]) -> str:
    """A secret created once for development and kept in DATA_DIR, so restarts keep sessions
    valid and encrypted columns readable."""
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(make(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


if DEBUG:
    SECRET_KEY = env.secret("SECRET_KEY") or _development_secret(
        "dev-secret-key", lambda: secrets.token_urlsafe(50)
    )
    # Read like a secret so FIELD_ENCRYPTION_KEYS_FILE works in development too.
    FIELD_ENCRYPTION_KEYS = [
        key.strip() for key in env.secret("FIELD_ENCRYPTION_KEYS").split(",") if key.strip()
    ] or [_development_secret("dev-field-encryption-key", lambda: Fernet.generate_key().decode())]
else:
    SECRET_KEY = env.required_secret(
        "SECRET_KEY",
        'Make one with: python -c "import secrets; print(secrets.token_urlsafe(50))"',
    )
    FIELD_ENCRYPTION_KEYS = [
        key.strip()
        for key in env.required_secret(
            "FIELD_ENCRYPTION_KEYS",
            "It is a comma-separated list of Fernet keys, newest first. Make one with: "
            'python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"',
        ).split(",")
        if key.strip()
    ]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")

# --- The MWS developer account and endpoint -------------------------------------------------
# The bundled sandbox knows this demo developer; production must name its own account.
SANDBOX_ADDR = env.str("MWS_SANDBOX_ADDR", "127.0.0.1:8765")
SANDBOX_DEMO_ACCESS_KEY_ID = "AKIAMWSPORTALDEMO0001"
SANDBOX_DEMO_SECRET_KEY = "sandbox-demo-secret-key-not-for-production"  # noqa: S105
SANDBOX_DEMO_DEVELOPER_ID = "1234-5678-9012"

if DEBUG:
    MWS_ACCESS_KEY_ID = env.secret("MWS_ACCESS_KEY_ID") or SANDBOX_DEMO_ACCESS_KEY_ID
    MWS_SECRET_KEY = env.secret("MWS_SECRET_KEY") or SANDBOX_DEMO_SECRET_KEY
    MWS_DEVELOPER_ID = env.secret("MWS_DEVELOPER_ID") or SANDBOX_DEMO_DEVELOPER_ID
    MWS_ENDPOINT = env.str("MWS_ENDPOINT", f"http://{SANDBOX_ADDR}")
else:
    MWS_ACCESS_KEY_ID = env.required_secret(
        "MWS_ACCESS_KEY_ID", "It is the AWS access key id of your MWS developer account."
    )
    MWS_SECRET_KEY = env.required_secret(
        "MWS_SECRET_KEY", "It is the secret key that belongs to MWS_ACCESS_KEY_ID."
    )
    MWS_DEVELOPER_ID = env.required_secret(
        "MWS_DEVELOPER_ID", "It is your MWS developer account number, e.g. 1234-5678-9012."
    )
    # Empty means the real regional MWS hosts; set it to use the sandbox or a proxy.
    MWS_ENDPOINT = env.str("MWS_ENDPOINT", "")
# With MWS_ENDPOINT set, each call still names (Host header, signature) the MWS host of the
# marketplace it is for: the sandbox answers for every host, so routing is exercised locally.
MWS_ENDPOINT_ADDRESSES_HOSTS = env.bool("MWS_ENDPOINT_ADDRESSES_HOSTS", True)
MWS_DEVELOPER_NAME = env.str("MWS_DEVELOPER_NAME", "MWS Portal")
MWS_APP_NAME = env.str("MWS_APP_NAME", "MWSPortal")
MWS_APP_VERSION = env.str("MWS_APP_VERSION", "0.1.0")
# Built once here so a header that cannot be sent stops start-up instead of the first MWS call.
try:
    build_user_agent(MWS_APP_NAME, MWS_APP_VERSION)
except InvalidParameterError as exc:
    setting = {"app_name": "MWS_APP_NAME", "app_version": "MWS_APP_VERSION"}.get(
        exc.parameter or "", "MWS_APP_NAME/MWS_APP_VERSION"
    )
    raise ImproperlyConfigured(
        f"{setting} cannot go into the MWS User-Agent header: {exc.rule}."
    ) from None
MWS_REQUEST_TIMEOUT = env.int("MWS_REQUEST_TIMEOUT", 60)

# --- Applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mwsportal",
    "mwssandbox",
    "mwsportal.gateway",
    "mwsportal.accounts",
    "sellers",
    "partners",
    "reports",
    "feeds",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mwsportal.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mwsportal.bodylimit.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mwsportal.urls"
WSGI_APPLICATION = "mwsportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database -------------------------------------------------------------------------------
# SQLite runs in WAL mode with a busy timeout and immediate transactions so the web server and
# the worker can write at the same time without "database is locked".
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
}
DATABASE_URL = env.str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "mwsportal.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# A file cache is shared by every process on one machine; several machines need CACHE_URL.
CACHE_URL = env.str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "mwsportal.cache.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must start with redis://, not {CACHE_URL!r}.")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": DATA_DIR / "cache",
        }
    }

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", f"sqla+sqlite:///{DATA_DIR / 'celery-broker.sqlite3'}"
)
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND",
    CELERY_BROKER_URL
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else f"db+sqlite:///{DATA_DIR / 'celery-results.sqlite3'}",
)
CELERY_BEAT_SCHEDULE_FILE = env.str(
    "CELERY_BEAT_SCHEDULE_FILE", str(DATA_DIR / "celerybeat-schedule")
)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", 660)
# Webhook deliveries wait on partners' servers: they have a queue (and workers) of their own, so
# a partner whose endpoints never answer cannot delay anyone's MWS calls on the default queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
WEBHOOK_QUEUE = "webhooks"
# Reading a stored report into rows takes minutes for a large one: it gets a worker of its own
# too, so it never holds a slot MWS calls are waiting for.
INGEST_QUEUE = "ingest"
CELERY_TASK_ROUTES = {
    "webhooks.deliver": {"queue": WEBHOOK_QUEUE},
    "reports.ingest_report": {"queue": INGEST_QUEUE},
}


# --- MWS gateway: throttling, retries, request log (mwsportal/gateway) ----------------------------
def _env_positive(name: str, default: float) -> float:
    raw = env.str(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = 0.0
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number, not {raw!r}.")
    return value


# Every worker on every machine must see the same buckets: Redis when the deployment has one
# (the cache, else the broker), otherwise the database.
MWS_GATEWAY_REDIS_URL = env.str(
    "MWS_GATEWAY_REDIS_URL",
    next(
        (
            url
            for url in (CACHE_URL, CELERY_BROKER_URL)
            if url.startswith(("redis://", "rediss://"))
        ),
        "",
    ),
)
MWS_GATEWAY_BUCKET_BACKEND = env.str("MWS_GATEWAY_BUCKET_BACKEND", "auto")
if MWS_GATEWAY_BUCKET_BACKEND == "auto":
    MWS_GATEWAY_BUCKET_BACKEND = "redis" if MWS_GATEWAY_REDIS_URL else "database"
if MWS_GATEWAY_BUCKET_BACKEND not in ("redis", "database"):
    raise ImproperlyConfigured(
        f"MWS_GATEWAY_BUCKET_BACKEND must be auto, redis or database, not "
        f"{MWS_GATEWAY_BUCKET_BACKEND!r}."
    )
if MWS_GATEWAY_BUCKET_BACKEND == "redis" and not MWS_GATEWAY_REDIS_URL:
    raise ImproperlyConfigured("MWS_GATEWAY_BUCKET_BACKEND=redis needs MWS_GATEWAY_REDIS_URL.")
# How often the dispatcher looks for queues whose token, retry or start time has come: the
# longest a call waits after its token is there.
MWS_GATEWAY_TICK_SECONDS = _env_positive("MWS_GATEWAY_TICK_SECONDS", 1.0)
# Only for a sandbox started with --time-scale N: the gateway's restore rates, hourly window and
# retry pauses run N times faster too.
MWS_GATEWAY_TIME_SCALE = _env_positive("MWS_GATEWAY_TIME_SCALE", 1.0)
MWS_REQUEST_LOG_RETENTION_DAYS = env.int("MWS_REQUEST_LOG_RETENTION_DAYS", 30)
# The developer guide asks for every request id and timestamp to be kept for 30 days.
if MWS_REQUEST_LOG_RETENTION_DAYS < 30:
    raise ImproperlyConfigured(
        "MWS_REQUEST_LOG_RETENTION_DAYS must be at least 30 (the developer guide asks for MWS "
        f"request ids and timestamps to be kept that long), not {MWS_REQUEST_LOG_RETENTION_DAYS}."
    )

# --- Reports (reports/) ---------------------------------------------------------------------
# How often open report requests are polled (one GetReportRequestList per seller per 100 ids).
REPORTS_POLL_SECONDS = _env_positive("REPORTS_POLL_SECONDS", 60.0)
# How often GetReportList looks for reports nobody requested (schedules, settlements).
REPORTS_SYNC_MINUTES = _env_positive("REPORTS_SYNC_MINUTES", 30.0)
# A request still open this long after it was made is flagged as stuck on the reports page.
REPORTS_STUCK_AFTER_MINUTES = _env_positive("REPORTS_STUCK_AFTER_MINUTES", 240.0)

# --- Feeds (feeds/) ---------------------------------------------------------------------------
# Uploads larger than this are stopped while they stream in; MWS takes feeds under 2 GiB.
FEED_UPLOAD_MAX_BYTES = env.int("FEED_UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
if not 0 < FEED_UPLOAD_MAX_BYTES <= 2**31 - 1:
    raise ImproperlyConfigured(
        "FEED_UPLOAD_MAX_BYTES must be above 0 and below 2 GiB (2147483648), MWS's limit."
    )
# The whole request body of every other URL, all parts together, refused unread when larger
# (mwsportal/bodylimit.py); the feed upload routes take FEED_UPLOAD_MAX_BYTES and 64 KiB more.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", 1024 * 1024)
# Bodies larger than this are refused unread from anyone not logged in and without an API key.
ANONYMOUS_BODY_MAX_BYTES = env.int("ANONYMOUS_BODY_MAX_BYTES", 64 * 1024)
for _name, _value in (
    ("REQUEST_BODY_MAX_BYTES", REQUEST_BODY_MAX_BYTES),
    ("ANONYMOUS_BODY_MAX_BYTES", ANONYMOUS_BODY_MAX_BYTES),
):
    if _value <= 0:
        raise ImproperlyConfigured(f"{_name} must be a number of bytes above 0, not {_value}.")
# A feed whose SubmitFeed answer was lost is sent again only when a listing made at least this
# long after the send shows Amazon never received it.
FEED_RECONCILE_SETTLE_SECONDS = env.int("FEED_RECONCILE_SETTLE_SECONDS", 120)
# How often open feeds are polled, reconciled and their reports fetched.
FEED_SYNC_SECONDS = _env_positive("FEED_SYNC_SECONDS", 60.0)

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
if DEBUG or TESTING:
    # WhiteNoise serves from the finders in development but expects the folder to exist.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGE_BACKEND = env.str("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "s3":
    if not env.str("S3_BUCKET"):
        raise ImproperlyConfigured("S3_BUCKET must name the bucket when STORAGE_BACKEND is s3.")
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL") or None,
            "region_name": env.str("S3_REGION") or None,
            "access_key": env.secret("S3_ACCESS_KEY_ID") or None,
            "secret_key": env.secret("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif STORAGE_BACKEND == "local":
    default_storage = {
        # A file gets its name only once it is whole, so a killed process leaves no partial
        # report or feed that looks finished (mwsportal/storage.py).
        "BACKEND": "mwsportal.storage.AtomicFileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}.")
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", "") or None

# --- Accounts, email ------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
EMAIL_BACKEND = env.str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "MWS Portal <noreply@localhost>")
# Where sellers reach the portal: notice e-mails are sent from a worker, which has no request
# to take the host from, so their links are built on this.
PORTAL_URL = env.str("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
if not PORTAL_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"PORTAL_URL must start with http:// or https://, not {PORTAL_URL!r}."
    )
# The hour (UTC) at which the daily digest of notices goes out.
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", 7)
if not 0 <= NOTIFICATION_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured(
        f"NOTIFICATION_DIGEST_HOUR must be an hour from 0 to 23, not {NOTIFICATION_DIGEST_HOUR}."
    )

# --- Seller accounts: sign-in protection, developer account per region ----------------------
# Failed logins are counted in the cache (shared by every web process) per account and per
# client address; reaching a limit locks that account or address out for LOGIN_LOCKOUT_SECONDS.
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = env.int("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", 5)
LOGIN_FAILURE_LIMIT_PER_IP = env.int("LOGIN_FAILURE_LIMIT_PER_IP", 20)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", 900)
# How many proxies in front of the site append to X-Forwarded-For; 0 trusts no such header, so
# a client cannot dodge the per-address limit by sending one.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0)


def _region_accounts() -> dict[str, dict[str, str]]:
    """Per-region developer accounts (MWS_EU_ACCESS_KEY_ID, ...) for operators that registered
    a separate developer in some region; regions without one use the MWS_* account above."""
    accounts = {}
    for code in MWS_ENDPOINT_REGIONS:
        prefix = f"MWS_{code}_"
        names = {
            "access_key_id": env.str(prefix + "ACCESS_KEY_ID"),
            "secret_key": env.secret(prefix + "SECRET_KEY"),
            "developer_id": env.str(prefix + "DEVELOPER_ID"),
        }
        if not any(names.values()):
            continue
        missing = [prefix + key.upper() for key, value in names.items() if not value]
        if missing:
            raise ImproperlyConfigured(
                f"{', '.join(missing)} must be set too: a {code} developer account needs its "
                "access key id, secret key and developer id together."
            )
        names["developer_name"] = env.str(prefix + "DEVELOPER_NAME", MWS_DEVELOPER_NAME)
        accounts[code] = names
    return accounts


MWS_REGION_ACCOUNTS = _region_accounts()
# Where onboarding sends sellers to authorize the developer. Empty: the sandbox's copy of
# Seller Central when MWS_ENDPOINT is set, else the real Seller Central of the seller's region.
SELLER_CENTRAL_URL = env.str("SELLER_CENTRAL_URL", "")
# Error pages and error e-mails mask MWS Auth Tokens and secrets in local variables too (the
# log handlers get the same masking through the redact_secrets filter in LOGGING below).
DEFAULT_EXCEPTION_REPORTER_FILTER = "mwsportal.logredaction.RedactingExceptionReporterFilter"

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", True)
    if env.bool("SECURE_PROXY_SSL_HEADER", False):
        # Only behind a proxy that always sets (and strips incoming) X-Forwarded-Proto.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "mwsportal.api.errors.handle_exception",
    # ``Authorization: Api-Key <key>``: the partner becomes request.user, its key request.auth.
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.authentication.ApiKeyAuthentication"],
    "DEFAULT_SCHEMA_CLASS": "mwsportal.api.schema.PartnerAutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# The model the API records Idempotency-Keys in (see mwsportal.api.base.idempotency_model).
API_IDEMPOTENCY_MODEL = "partners.IdempotentRequest"
# Lets a monitor read /healthz's checks (``Authorization: Bearer <token>``); empty: staff only.
HEALTHZ_TOKEN = env.secret("HEALTHZ_TOKEN")
# How often due webhook deliveries are handed to workers.
WEBHOOK_DISPATCH_SECONDS = _env_positive("WEBHOOK_DISPATCH_SECONDS", 10.0)
# Endpoints one partner may register: each can hold a webhook worker slot while it times out.
WEBHOOK_ENDPOINTS_PER_PARTNER = env.int("WEBHOOK_ENDPOINTS_PER_PARTNER", 10)
# Requests per API key, counted in the shared cache: "<n>/<second|minute|hour|day>".
API_RATE_LIMIT = env.str("API_RATE_LIMIT", "600/minute")
# Checked here so a typo stops start-up instead of failing the first partner's request.
if not re.fullmatch(r"[1-9][0-9]*/(second|minute|hour|day)", API_RATE_LIMIT):
    raise ImproperlyConfigured(
        "API_RATE_LIMIT must look like 600/minute: a whole number above 0, a slash and second, "
        f"minute, hour or day; not {API_RATE_LIMIT!r}."
    )
SPECTACULAR_SETTINGS = {
    "TITLE": "MWS Portal partner API",
    "DESCRIPTION": "Reports and feeds of the seller accounts that granted your partner access. "
    "Authenticate with `Authorization: Api-Key <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from the vendored sidecar package: the docs page loads nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ReportTypeEnum": "reports.models.REPORT_TYPE_CHOICES",
        "RequestableReportTypeEnum": "mwsclient.operations.REQUESTABLE_REPORT_TYPES",
        "ScheduleEnum": "reports.models.SCHEDULE_CHOICES",
        "SettableScheduleEnum": "reports.models.SETTABLE_SCHEDULES",
        "SellerStatusEnum": "sellers.models.Seller.Status",
        "ReportRequestStatusEnum": "reports.models.ReportRequest.Status",
    },
}

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "filters": {"redact_secrets": {"()": "mwsportal.logredaction.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
        # Django's own handler for the development server's access log, which does not
        # propagate to the root: request lines carry query strings, so they are masked too.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # urllib3 logs every request line at DEBUG, query string included, and SubmitFeed
        # carries the MWS Auth Token and the signature there: never below INFO.
        "urllib3": {"level": "INFO"},
    },
}
