"""Jishi settings, read from the environment.

Every knob an operator turns in production is an environment variable; the
defaults give a working demo on SQLite with no other server.
"""

import os
import warnings
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent  # src/jishi
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("JISHI_VAR_DIR", PROJECT_DIR / "var"))

JISHI_ENV = os.environ.get("JISHI_ENV", "development")
PRODUCTION = JISHI_ENV == "production"
# Django's debug pages show tracebacks and settings to whoever asks: only on a developer's explicit DEBUG=1.
DEBUG = os.environ.get("DEBUG", "0") == "1"

_DEV_SECRET_KEY = "jishi-dev-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when JISHI_ENV=production.")
    if not os.environ.get("JISHI_DEMO"):  # `make demo` says it once, as expected there
        warnings.warn("SECRET_KEY is not set: using the development key.", stacklevel=1)
    SECRET_KEY = _DEV_SECRET_KEY

# Key for field encryption (ID numbers, phone numbers). Any string of at least
# 32 characters; keys are derived from it with HKDF.
_DEV_FIELD_KEY = "jishi-dev-field-key-change-me-in-production-0123456789"
JISHI_FIELD_KEY = os.environ.get("JISHI_FIELD_KEY", "")
if not JISHI_FIELD_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("JISHI_FIELD_KEY must be set when JISHI_ENV=production.")
    JISHI_FIELD_KEY = _DEV_FIELD_KEY

# The pet-record transparency log signs its checkpoints with this Ed25519 key, a signed-note private key
# (`manage.py pet_log_key` makes one). Outside production one is derived from SECRET_KEY.
JISHI_PET_LOG_KEY = os.environ.get("JISHI_PET_LOG_KEY", "")
if not JISHI_PET_LOG_KEY and PRODUCTION:
    raise ImproperlyConfigured("JISHI_PET_LOG_KEY must be set when JISHI_ENV=production.")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "crontask",
    "jishi.core",
    "jishi.accounts",
    "jishi.policies",
    "jishi.merchants",
    "jishi.catalog",
    "jishi.inventory",
    "jishi.search",
    "jishi.shipping",
    "jishi.cart",
    "jishi.orders",
    "jishi.payments",
    "jishi.aftersales",
    "jishi.promotions",
    "jishi.groupbuy",
    "jishi.community",
    "jishi.pets",
    "jishi.loyalty",
    "jishi.reviews",
    "jishi.favourites",
    "jishi.recommendations",
    "jishi.checkout",
    "jishi.ledger",
    "jishi.notifications",
    "jishi.analytics",
    "jishi.web",
    "jishi.demo",
]

MIDDLEWARE = [
    "jishi.core.middleware.ApiErrorShapeMiddleware",
    "jishi.core.middleware.BodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",  # an ETag on every GET answer, 304 when it still holds
    "jishi.core.middleware.RequestIdMiddleware",
    "jishi.core.middleware.RejectNulMiddleware",
    "jishi.promotions.middleware.FlashGateMiddleware",  # a flash sale's late buyers, before the session and sign-in
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jishi.core.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "jishi.config.urls"
WSGI_APPLICATION = "jishi.config.wsgi.application"
ASGI_APPLICATION = "jishi.config.asgi.application"

WEB_AUDIENCES = ("storefront", "buyer", "merchant", "leader", "operator")
TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Pages are filed by audience, each with its templates beside its views (web/<audience>/templates).
        "DIRS": [BASE_DIR / "web" / audience / "templates" for audience in WEB_AUDIENCES],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jishi.web.context.navigation",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'jishi.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        config["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, Any] = {
    "default": (
        {"BACKEND": "jishi.core.cache.SharedRedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "jishi"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jishi"}
    )
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["jishi.accounts.backends.IdentifierBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "buyer:login"
LOGIN_REDIRECT_URL = "storefront:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Licences, permits, ID scans and after-sales evidence: never under MEDIA_ROOT, never served by a route.
JISHI_PRIVATE_ROOT = Path(os.environ.get("JISHI_PRIVATE_ROOT", VAR_DIR / "private"))
# Every signed checkpoint of the pet-record log is appended here (one JSON line each): mirror it elsewhere, and a
# history rewritten in the database no longer matches it.
JISHI_PET_LOG_EXPORT = Path(os.environ.get("JISHI_PET_LOG_EXPORT", VAR_DIR / "pet-log" / "checkpoints.jsonl"))
STORAGES: dict[str, Any] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

SESSION_COOKIE_HTTPONLY = True
# In production every cookie (session, CSRF, language, the visitor id) travels over HTTPS only,
# plain HTTP is redirected, and browsers are told to use HTTPS for a year (HSTS).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and os.environ.get("JISHI_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("JISHI_HSTS_SUBDOMAINS", "0") == "1"
# Behind a load balancer that ends TLS and sets this header (e.g. X-Forwarded-Proto) on every request.
if _proxy_header := os.environ.get("JISHI_PROXY_SSL_HEADER", ""):
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{_proxy_header.upper().replace('-', '_')}", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Every page: scripts, styles and everything else from this site only, nothing inline, no plugins,
# no <base>, never framed. Images may also come from where MEDIA_URL points (a CDN or object storage).
_MEDIA_ORIGIN = "/".join(MEDIA_URL.split("/")[:3]) if "://" in MEDIA_URL else ""
SECURE_CSP: dict[str, Any] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, *([_MEDIA_ORIGIN] if _MEDIA_ORIGIN else [])],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
# A request body over this (a JSON body, or a form with its photos) is refused with 413 before it is read.
JISHI_MAX_REQUEST_BYTES = int(os.environ.get("JISHI_MAX_REQUEST_BYTES", str(12 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = JISHI_MAX_REQUEST_BYTES

# Jishi's own knobs.
JISHI_IMAGE_MAX_BYTES = int(os.environ.get("JISHI_IMAGE_MAX_BYTES", str(5 * 1024 * 1024)))
JISHI_IMAGE_MAX_PIXELS = 40_000_000
JISHI_LOGIN_WINDOW_SECONDS = 15 * 60
JISHI_LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
JISHI_LOGIN_MAX_FAILURES_PER_IP = 20
JISHI_API_TOKEN_TTL_DAYS = int(os.environ.get("JISHI_API_TOKEN_TTL_DAYS", "30"))
# Search counts and facets are fresh for this long per filter set, then served while a task recounts them
# (0: always recount).
JISHI_SEARCH_CACHE_SECONDS = int(os.environ.get("JISHI_SEARCH_CACHE_SECONDS", "30"))
# A search counts its matches up to here and says "10,000+" beyond: counting every one of a million costs
# as much as the rest of the search, and no shopper pages that far (500 pages of 20).
JISHI_SEARCH_COUNT_CAP = int(os.environ.get("JISHI_SEARCH_COUNT_CAP", "10000"))
# Sort by relevance ranks every match of a search that matches up to JISHI_SEARCH_RANK_ALL products. A
# search matching more ranks first those of its matches among the catalogue's newest and best-selling
# products (each this many, the bound refreshed every 10 minutes), then lists the rest newest first:
# ranking 35,000 matches of a million products visits every one of them.
JISHI_SEARCH_RANK_ALL = int(os.environ.get("JISHI_SEARCH_RANK_ALL", "2000"))
JISHI_SEARCH_RANK_NEWEST = int(os.environ.get("JISHI_SEARCH_RANK_NEWEST", "20000"))
JISHI_SEARCH_RANK_BEST_SELLING = int(os.environ.get("JISHI_SEARCH_RANK_BEST_SELLING", "20000"))
# A product's detail (texts, images, attributes, prices) in the shared cache; units and whether it is
# published are read live, and a merchant's change drops it at once. 0 turns the cache off.
JISHI_CATALOG_CACHE_SECONDS = int(os.environ.get("JISHI_CATALOG_CACHE_SECONDS", "300"))
# Browsers and shared caches may keep an anonymous catalog API answer this long (Cache-Control: public).
JISHI_PUBLIC_MAX_AGE = int(os.environ.get("JISHI_PUBLIC_MAX_AGE", "30"))

# The buying flow.
JISHI_ORDER_PAYMENT_MINUTES = int(os.environ.get("JISHI_ORDER_PAYMENT_MINUTES", "30"))
# A flash-sale (秒杀) order is paid within this, or its units go back to the sale for the next buyer.
JISHI_FLASH_PAYMENT_MINUTES = int(os.environ.get("JISHI_FLASH_PAYMENT_MINUTES", "5"))
# Whether a new flash-sale session asks its buyers for a verified real name (operators choose per session).
JISHI_FLASH_REAL_NAME = os.environ.get("JISHI_FLASH_REAL_NAME", "1") == "1"
# A 拼团 group has this long to fill unless its campaign says otherwise (1 to 72 hours).
JISHI_TEAM_WINDOW_HOURS = int(os.environ.get("JISHI_TEAM_WINDOW_HOURS", "24"))
# 社区团购: wrong pickup codes a leader may type a minute; days an arrived order may wait before the leader and
# the shop are told it was not collected.
JISHI_PICKUP_CODE_TRIES = int(os.environ.get("JISHI_PICKUP_CODE_TRIES", "5"))
JISHI_PICKUP_UNCOLLECTED_DAYS = int(os.environ.get("JISHI_PICKUP_UNCOLLECTED_DAYS", "3"))
# The group leaders' commission on the goods of the orders they hand over, in basis points (1000 = 10 %).
JISHI_LEADER_RATE_BP = int(os.environ.get("JISHI_LEADER_RATE_BP", "1000"))
# Pet trading: a private seller (个人送养) listing more animals than this in 12 months is flagged to the reviewer.
JISHI_PET_PRIVATE_PER_YEAR = int(os.environ.get("JISHI_PET_PRIVATE_PER_YEAR", "3"))
# Pet photos are checked by EfficientNet-Lite0 (ImageNet, shipped in a package) unless an operator installs another
# ONNX model here, with its labels: a line per class, "index<TAB>species code<TAB>breed name" (README, Pets).
JISHI_PET_MODEL = os.environ.get("JISHI_PET_MODEL", "")
JISHI_PET_MODEL_LABELS = os.environ.get("JISHI_PET_MODEL_LABELS", "")
# A pet listing's short video (MP4 or WebM); within JISHI_MAX_REQUEST_BYTES, which a whole upload must fit in.
JISHI_PET_VIDEO_MAX_BYTES = int(os.environ.get("JISHI_PET_VIDEO_MAX_BYTES", str(10 * 1024 * 1024)))
# A pet's buyer says how it arrived within this many hours, or its order is confirmed received for them.
JISHI_PET_ARRIVAL_HOURS = int(os.environ.get("JISHI_PET_ARRIVAL_HOURS", "24"))
JISHI_ORDER_AUTO_CONFIRM_DAYS = int(os.environ.get("JISHI_ORDER_AUTO_CONFIRM_DAYS", "10"))
JISHI_ORDER_AFTERSALES_DAYS = int(os.environ.get("JISHI_ORDER_AFTERSALES_DAYS", "7"))
# After-sales: the shop answers a request (or receives returned goods) within this, or it is done for it;
# sending goods back, receiving them and escalating a rejection each have this many days.
JISHI_AFTERSALES_RESPOND_HOURS = int(os.environ.get("JISHI_AFTERSALES_RESPOND_HOURS", "48"))
JISHI_AFTERSALES_TURN_DAYS = int(os.environ.get("JISHI_AFTERSALES_TURN_DAYS", "7"))
JISHI_IDEMPOTENCY_HOURS = int(os.environ.get("JISHI_IDEMPOTENCY_HOURS", "24"))
# Who owns an Idempotency-Key: core knows sessions, accounts knows bearer tokens.
JISHI_IDEMPOTENCY_USER = "jishi.accounts.auth.request_user_id"
# Payments whose notification has not arrived this long after the buyer was sent to pay are queried.
JISHI_PAYMENT_QUERY_AFTER_SECONDS = int(os.environ.get("JISHI_PAYMENT_QUERY_AFTER_SECONDS", "120"))
JISHI_PAYMENT_GATEWAY = os.environ.get("JISHI_PAYMENT_GATEWAY", "sandbox")
# The sandbox gateway signs like a real one; its key is derived from SECRET_KEY unless given.
JISHI_SANDBOX_APP_ID = os.environ.get("JISHI_SANDBOX_APP_ID", "jishi-sandbox")
JISHI_SANDBOX_KEY = os.environ.get("JISHI_SANDBOX_KEY", "") or f"sandbox:{SECRET_KEY}"
JISHI_SANDBOX_ENABLED = os.environ.get("JISHI_SANDBOX_ENABLED", "0" if PRODUCTION else "1") == "1"


def _gateway(prefix: str, *names: str) -> dict[str, str]:
    """A real gateway's settings from ``JISHI_<PREFIX>_<NAME>``; a gateway is offered once its first one is set.

    Key settings hold PEM text, a PEM file's path, or base64 DER; they are never logged.
    """
    return {
        name: os.environ[f"JISHI_{prefix}_{name.upper()}"]
        for name in names
        if f"JISHI_{prefix}_{name.upper()}" in os.environ
    }


JISHI_ALIPAY = _gateway("ALIPAY", "app_id", "seller_id", "private_key", "alipay_public_key", "gateway_url", "product")
JISHI_WECHATPAY = _gateway(
    "WECHATPAY",
    "mchid",
    "appid",
    "serial_no",
    "private_key",
    "api_v3_key",
    "public_key",
    "public_key_id",
    "api_url",
    "mode",
)
JISHI_UNIONPAY = _gateway(
    "UNIONPAY",
    "mer_id",
    "sign_key",
    "sign_cert",
    "middle_cert",
    "root_cert",
    "front_url",
    "back_url",
    "query_url",
    "channel",
)
# Parcel tracking: "sandbox" (a courier that makes up journeys; only where JISHI_SANDBOX_ENABLED) or "kuaidi100"
# (快递100's subscription and signed callbacks: the key and salt from its console). A parcel signed for starts the
# buyer's auto-confirm clock again: receipt is confirmed this many days after the courier's 签收.
JISHI_TRACKING_ADAPTER = os.environ.get("JISHI_TRACKING_ADAPTER", "sandbox")
JISHI_KUAIDI100_KEY = os.environ.get("JISHI_KUAIDI100_KEY", "")
JISHI_KUAIDI100_SALT = os.environ.get("JISHI_KUAIDI100_SALT", "")
JISHI_ORDER_AUTO_CONFIRM_AFTER_DELIVERY_DAYS = int(os.environ.get("JISHI_ORDER_AUTO_CONFIRM_AFTER_DELIVERY_DAYS", "7"))

# The marketplace: commission (a Decimal rate) where no rule applies, payouts, and how users are told.
JISHI_DEFAULT_COMMISSION_RATE = os.environ.get("JISHI_DEFAULT_COMMISSION_RATE", "0.05")
JISHI_PAYOUT_ADAPTER = os.environ.get("JISHI_PAYOUT_ADAPTER", "jishi.ledger.payouts.SandboxPayoutAdapter")
JISHI_SMS_ADAPTER = os.environ.get("JISHI_SMS_ADAPTER", "jishi.notifications.sms.SandboxSmsAdapter")
JISHI_INVITATION_DAYS = 7
JISHI_SITE_NAME = os.environ.get("JISHI_SITE_NAME", "集市")
JISHI_SITE_URL = os.environ.get("JISHI_SITE_URL", "http://127.0.0.1:8000")
# E-mail goes to the console unless EMAIL_HOST names an SMTP server (Django's MAILERS setting).
MAILERS: dict[str, Any] = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": os.environ.get("EMAIL_USE_TLS", "1") == "1",
            },
        }
        if os.environ.get("EMAIL_HOST")
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "jishi@localhost")

# Background work: the queue is a table (django-tasks-db); `manage.py db_worker` runs it,
# `manage.py crontask` (one per deployment) enqueues the periodic sweeps.
TASKS: dict[str, Any] = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CRONTASK: dict[str, Any] = {"REDIS_URL": REDIS_URL} if REDIS_URL else {}

LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"task_once": {"()": "jishi.core.logs.TaskOncePerRun"}},
    # The level on the handler too: Django's own loggers (django.request's line per 4xx) pass records up
    # to it whatever the root's level.
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["task_once"], "level": LOG_LEVEL},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
