"""Probatio settings: one module, driven by environment variables, safe local defaults.

Every value that differs between a developer's machine and production is read from the
environment; see README.md ("Mise en production") for the list.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PROBATIO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("PROBATIO_ENV") == "production":
        raise RuntimeError("SECRET_KEY doit être défini en production.")
    # Local default: never used in production, where PROBATIO_ENV=production requires one.
    SECRET_KEY = "django-insecure-probatio-local-development-key-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    # django-dsfr before django.forms: its widget templates (radios, checkboxes) win.
    "dsfr",
    "django.forms",
    "widget_tweaks",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "probatio.core",
    "probatio.organisation",
    "probatio.accounts",
    "probatio.audit",
    "probatio.people",
    "probatio.measures",
    "probatio.notes",
    "probatio.messaging",
    "probatio.agenda",
    "probatio.compliance",
    "probatio.assessments",
    "probatio.programmes",
    "probatio.reports",
    "probatio.sentences",
    "probatio.reintegration",
    "probatio.community_work",
    "probatio.transitions",
    "probatio.deadlines",
    "probatio.transfers",
    "probatio.merges",
    "probatio.caseloads",
    "probatio.oversight",
    "probatio.figures",
    "probatio.retention",
    "probatio.backups",
    "probatio.demo",
    "probatio.national",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy (docs/security.md, « Headers »).
    "probatio.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "probatio.core.db_routing.PrimaryPinningMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A session idle for SESSION_IDLE_MINUTES is signed out (docs/security.md).
    "probatio.accounts.middleware.InactivityTimeoutMiddleware",
    # Nothing opens before the second factor (docs/security.md).
    "probatio.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "probatio.accounts.middleware.MembershipMiddleware",
    "probatio.accounts.middleware.DeniedJournalMiddleware",
    # The id of a file absorbed by a merge leads to the kept file (docs/allocation.md).
    "probatio.people.middleware.MergedFileMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "probatio.core.middleware.NoStoreMiddleware",
    "probatio.core.middleware.BackLinkMiddleware",
    # A database that refuses writes (read-only, full): a French 503 page (docs/errors.md).
    "probatio.core.middleware.WriteRefusedMiddleware",
    # Sign-in lockout (django-axes): last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]
# A form refused by the CSRF check: a French page saying nothing was saved.
CSRF_FAILURE_VIEW = "probatio.core.views.csrf_failure"

# Django serves no static file when DEBUG is off. PROBATIO_SERVE_STATIC=true (the demo of
# `make run`, which runs with DEBUG off like production) has WhiteNoise serve them straight
# from the project's folders: no collectstatic, a changed file is served at once. In
# production, leave it off: the reverse proxy serves STATIC_ROOT (README).
SERVE_STATIC = env_bool("PROBATIO_SERVE_STATIC", False)
if SERVE_STATIC:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "probatio" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "probatio.core.context_processors.site",
                "probatio.accounts.context_processors.second_factor_banner",
            ],
            "string_if_invalid": os.environ.get("TEMPLATE_STRING_IF_INVALID", ""),
        },
    }
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: embedded SQLite by default, PostgreSQL (or any) when DATABASE_URL says so.
# On PostgreSQL (docs/deployment.md): DATABASE_POOL="max" or "min:max" gives each process a
# connection pool (psycopg_pool) instead of persistent connections (the two exclude each
# other); DATABASE_PGBOUNCER=true behind PgBouncer in transaction mode; DATABASE_REPLICA_URL a
# read replica for the figures and the exports (probatio.core.db_routing).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_POOL = os.environ.get("DATABASE_POOL", "").strip()


def database_from_url(url: str) -> dict:
    database = dj_database_url.parse(url, conn_max_age=0 if DATABASE_POOL else 60)
    database.setdefault("OPTIONS", {})
    if database["ENGINE"] != "django.db.backends.postgresql":
        return database
    if DATABASE_POOL:
        low, _, high = DATABASE_POOL.rpartition(":")
        database["OPTIONS"]["pool"] = {
            "min_size": int(low or 1),
            "max_size": int(high),
            "timeout": int(os.environ.get("DATABASE_POOL_TIMEOUT", 10)),
        }
    if env_bool("DATABASE_PGBOUNCER", False):
        # Transaction pooling: a server-side cursor would not outlive its transaction.
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        # PgBouncer refuses startup options: « ALTER DATABASE … SET jit = off » instead
        # (docs/deployment.md).
    else:
        # No JIT compilation: a page's queries are short, and compiling a plan estimated
        # costly took longer than running it (0.5 to 4.5 s per query on the national
        # database, docs/performance.md).
        database["OPTIONS"]["options"] = "-c jit=off"
    return database


if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
    if DATABASE_REPLICA_URL:
        replica = database_from_url(DATABASE_REPLICA_URL)
        if replica["ENGINE"] == "django.db.backends.postgresql":
            # A replica that is down must not hold a page: it is given up after 3 s.
            replica["OPTIONS"].setdefault("connect_timeout", 3)
            if "pool" in replica["OPTIONS"]:
                replica["OPTIONS"]["pool"]["timeout"] = 3
        # The test databases: the replica is the test database itself.
        replica["TEST"] = {"MIRROR": "default"}
        DATABASES["replica"] = replica
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "probatio.sqlite3",
            "OPTIONS": {
                # Writers queue instead of failing with "database is locked".
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
# Reads on the primary, except the blocks marked for the replica (figures, exports).
DATABASE_ROUTERS = ["probatio.core.db_routing.ReplicaRouter"]
# The replica is read only when no more than this many seconds behind (checked every few
# seconds per process); a user who just wrote reads from the primary for this many seconds.
PROBATIO_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", 30))
PROBATIO_REPLICA_CHECK_SECONDS = float(os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", 5))
PROBATIO_PRIMARY_PIN_SECONDS = int(os.environ.get("DATABASE_PRIMARY_PIN_SECONDS", 10))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Argon2 first (memory-hard, and about ten times faster to check than PBKDF2 at Django's
# iterations: signing in stays under half a second, docs/security.md); PBKDF2 hashes still
# check and are upgraded at their next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"

# Sign-in throttling and lockout (probatio/accounts/throttling.py, docs/security.md): by the
# pair username + client IP, a higher threshold per IP, a cool-off; every sign-in path (the
# administration's too) goes through the axes backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "probatio.accounts.throttling.Handler"
AXES_FAILURE_LIMIT = int(os.environ.get("SIGN_IN_FAILURE_LIMIT", 5))
PROBATIO_IP_FAILURE_LIMIT = int(os.environ.get("SIGN_IN_IP_FAILURE_LIMIT", 100))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SIGN_IN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "probatio.accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "probatio.accounts.throttling.lockout_response"
AXES_VERBOSE = False
# Successful sign-ins are journaled by Probatio itself; axes keeps the failures only.
AXES_DISABLE_ACCESS_LOG = True

# A second factor for every staff account (probatio/accounts/second_factor.py): a TOTP app and
# recovery codes; a grace period from the first sign-in without one.
SECOND_FACTOR_GRACE_DAYS = int(os.environ.get("SECOND_FACTOR_GRACE_DAYS", 7))
OTP_TOTP_ISSUER = "Probatio"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "probatio" / "static"]

# Sessions: short-lived, closed with the browser; drafts autosave so nothing typed is lost.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", 30))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Security: strict values unless DEBUG (local development).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool(
    "SECURE_SSL_REDIRECT", not DEBUG and bool(os.environ.get("PROBATIO_ENV") == "production")
)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SECURE_SSL_REDIRECT)
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", 31536000 if SECURE_SSL_REDIRECT else 0)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Email: SMTP when EMAIL_HOST is set, otherwise files under var/mail/.
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Probatio <ne-pas-repondre@probatio.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Stored documents (summonses, later proofs and reports): a private folder, never served from a
# public URL; downloads go through the access gates. Any Django storage can replace it.
MEDIA_ROOT = Path(os.environ.get("PROBATIO_FILES_DIR", VAR_DIR / "files"))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The audit journal's anchors (docs/audit.md, « Anchors ») and the signature of its checkpoints:
# an HMAC-SHA256 key (no key: no anchor exported, checkpoints unsigned), and the folder where
# the hourly job writes the signed chain heads (both set: exported every hour).
AUDIT_ANCHOR_KEY = os.environ.get("AUDIT_ANCHOR_KEY", "")
AUDIT_ANCHOR_DIR = os.environ.get("AUDIT_ANCHOR_DIR", "")

# Uploaded proofs scanned by a ClamAV daemon when one is set: "unix:/run/clamav/clamd.ctl" or
# "tcp:host:3310" (docs/compliance.md, « Files »). Empty: no scan.
CLAMD_ADDRESS = os.environ.get("CLAMD_ADDRESS", "")
CLAMD_TIMEOUT = float(os.environ.get("CLAMD_TIMEOUT", 30))

# SMS gateway: files under var/sms/ unless a provider is configured (see docs/messaging.md).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "probatio.messaging.sms.FileBackend")
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", VAR_DIR / "sms"))

# Background tasks: database-backed queue, run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Probatio settings.
PROBATIO_PAGE_SIZE = 25
PROBATIO_DEMO_PASSWORD = "demo-probatio"
