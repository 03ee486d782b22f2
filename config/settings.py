"""Settings per environment.

Every value can be set from an environment variable of the same name; the README lists them.
Secrets (``SECRET_KEY``, ``ADMIN_SECRET``) have no production default on purpose.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str] | None:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or None


LOOPBACK_NETWORKS = "127.0.0.0/8 ::1/128"


class BaseConfig:
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    ADMIN_SECRET: str | None = os.environ.get("ADMIN_SECRET")
    SQLALCHEMY_DATABASE_URI: str = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'reciprocal.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Public base URL of the tool, used in registration documents and JWKS links.
    # Without it the URL is taken from the request (behind ProxyFix in production).
    TOOL_BASE_URL: str | None = os.environ.get("TOOL_BASE_URL")
    # Host names the app answers (Flask); any other Host header gets 400. None: any host.
    TRUSTED_HOSTS: list[str] | None = _env_list("TRUSTED_HOSTS")
    # Refuse to start unless TOOL_BASE_URL or TRUSTED_HOSTS keeps URLs off the Host header.
    REQUIRE_TRUSTED_BASE_URL: bool = False
    TOOL_TITLE: str = os.environ.get("TOOL_TITLE", "Reciprocal")
    # Seconds a retired tool key stays published in the JWKS after rotation.
    KEY_ROTATION_GRACE_SECONDS: int = int(os.environ.get("KEY_ROTATION_GRACE_SECONDS", "86400"))
    # Leeway for id_token iat/exp checks, in seconds; never more than 60.
    JWT_LEEWAY_SECONDS: int = min(int(os.environ.get("JWT_LEEWAY_SECONDS", "60")), 60)
    # How long an OIDC state is valid between login initiation and launch.
    LAUNCH_STATE_TTL_SECONDS: int = int(os.environ.get("LAUNCH_STATE_TTL_SECONDS", "600"))
    # How long in-tool navigation after a launch stays valid.
    LAUNCH_SESSION_TTL_SECONDS: int = int(os.environ.get("LAUNCH_SESSION_TTL_SECONDS", "28800"))
    # Platform JWKS cache lifetime when the platform sends no Cache-Control max-age.
    PLATFORM_JWKS_DEFAULT_TTL_SECONDS: int = int(
        os.environ.get("PLATFORM_JWKS_DEFAULT_TTL_SECONDS", "300")
    )
    # While a platform's JWKS cannot be fetched, its expired keys stay in use this long.
    PLATFORM_JWKS_STALE_IF_ERROR_SECONDS: int = int(
        os.environ.get("PLATFORM_JWKS_STALE_IF_ERROR_SECONDS", "86400")
    )
    # Dynamic Registration without an admin's invite: the new LMS waits for approval.
    OPEN_REGISTRATION: bool = _env_bool("OPEN_REGISTRATION", False)
    # Lifetime of a registration invite (the URL an admin gives an LMS admin).
    REGISTRATION_INVITE_DAYS: int = int(os.environ.get("REGISTRATION_INVITE_DAYS", "7"))
    HTTP_TIMEOUT_SECONDS: float = float(os.environ.get("HTTP_TIMEOUT_SECONDS", "10"))
    # Outbound calls reach public addresses only; these CIDR ranges are allowed on top
    # (an LMS on an internal network). Loopback in development and tests.
    OUTBOUND_ALLOWED_NETWORKS: str = os.environ.get("OUTBOUND_ALLOWED_NETWORKS", "")
    OUTBOUND_MAX_RESPONSE_BYTES: int = int(
        os.environ.get("OUTBOUND_MAX_RESPONSE_BYTES", str(1024 * 1024))
    )
    # /lti/register is anonymous: its calls to the LMS get short timeouts and one deadline,
    # and only so many run at once per process (the rest get a quick 503).
    REGISTRATION_CONNECT_TIMEOUT_SECONDS: float = float(
        os.environ.get("REGISTRATION_CONNECT_TIMEOUT_SECONDS", "3")
    )
    REGISTRATION_READ_TIMEOUT_SECONDS: float = float(
        os.environ.get("REGISTRATION_READ_TIMEOUT_SECONDS", "5")
    )
    REGISTRATION_DEADLINE_SECONDS: float = float(
        os.environ.get("REGISTRATION_DEADLINE_SECONDS", "10")
    )
    REGISTRATION_MAX_CONCURRENT: int = int(os.environ.get("REGISTRATION_MAX_CONCURRENT", "1"))
    # Rate limits (Flask-Limiter) per client address; limits use its notation.
    RATELIMIT_ENABLED: bool = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI: str = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX: str = os.environ.get("RATELIMIT_KEY_PREFIX", "reciprocal")
    RATELIMIT_LAUNCH: str = os.environ.get("RATELIMIT_LAUNCH", "3000 per minute")
    RATELIMIT_REGISTRATION: str = os.environ.get(
        "RATELIMIT_REGISTRATION", "10 per minute; 60 per hour"
    )
    RATELIMIT_PUBLIC: str = os.environ.get("RATELIMIT_PUBLIC", "600 per minute")
    RATELIMIT_ADMIN_SIGN_IN: str = os.environ.get(
        "RATELIMIT_ADMIN_SIGN_IN", "5 per minute; 20 per hour"
    )
    # Admin sign-ins live server-side; a session ends at logout or after this long.
    ADMIN_SESSION_TTL_SECONDS: int = int(os.environ.get("ADMIN_SESSION_TTL_SECONDS", "28800"))
    # Programs closed longer ago than this are anonymised by a daily job (privacy/retention.py).
    RETENTION_MONTHS: int = int(os.environ.get("RETENTION_MONTHS", "24"))
    # Number of reverse proxies in front of the app (ProxyFix); 0 when served directly.
    PROXY_FIX_HOPS: int = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_HTTPONLY: bool = True
    # The built-in demo LMS: served when the request's host is DEMO_LMS_HOST.
    DEMO_LMS_ENABLED: bool = _env_bool("DEMO_LMS_ENABLED", True)
    DEMO_LMS_HOST: str = os.environ.get("DEMO_LMS_HOST", "localhost")
    # Demo LMS fault injection on AGS (README, "The demo LMS"): e.g. "500:0.1,429:0.1,slow:0.05".
    DEMO_LMS_AGS_FAULTS: str = os.environ.get("DEMO_LMS_AGS_FAULTS", "")
    DEMO_LMS_FAULT_SEED: str = os.environ.get("DEMO_LMS_FAULT_SEED", "")
    DEMO_LMS_AGS_SLOW_SECONDS: str = os.environ.get("DEMO_LMS_AGS_SLOW_SECONDS", "")
    # Canvas flavour's AGS throttling: "<bucket size>:<requests per second>"; empty: off.
    DEMO_LMS_AGS_RATE_LIMIT: str = os.environ.get("DEMO_LMS_AGS_RATE_LIMIT", "")
    # Email notifications (README, "Email"): off when SMTP_HOST is empty. STARTTLS upgrades
    # the connection before the login; MAIL_FROM is the sender learners see.
    SMTP_HOST: str = os.environ.get("SMTP_HOST", "")
    SMTP_PORT: int = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_USERNAME: str = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD: str = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS: bool = _env_bool("SMTP_STARTTLS", True)
    SMTP_TIMEOUT_SECONDS: float = float(os.environ.get("SMTP_TIMEOUT_SECONDS", "10"))
    MAIL_FROM: str = os.environ.get("MAIL_FROM", "Reciprocal <reciprocal@localhost>")
    # A message that could not be sent waits 1, 2, 4… minutes (at most MAIL_RETRY_MAX_MINUTES)
    # and is given up after MAIL_MAX_ATTEMPTS tries.
    MAIL_MAX_ATTEMPTS: int = int(os.environ.get("MAIL_MAX_ATTEMPTS", "12"))
    MAIL_RETRY_MAX_MINUTES: int = int(os.environ.get("MAIL_RETRY_MAX_MINUTES", "60"))
    # The demo LMS's mail server (`flask demo mail-server`, started by `make run`).
    DEMO_LMS_SMTP_PORT: int = int(os.environ.get("DEMO_LMS_SMTP_PORT", "8025"))
    LOG_LEVEL: str = os.environ.get("LOG_LEVEL", "INFO")
    # text, or json: one JSON object per line, with the request id (README, Production).
    LOG_FORMAT: str = os.environ.get("LOG_FORMAT", "text")
    # /metrics answers a request with "Authorization: Bearer <METRICS_TOKEN>", or from these
    # CIDR ranges (the client address after ProxyFix); neither set: nobody.
    METRICS_TOKEN: str | None = os.environ.get("METRICS_TOKEN") or None
    METRICS_ALLOWED_NETWORKS: str = os.environ.get("METRICS_ALLOWED_NETWORKS", "")
    # /readyz: each check (database, queue, signing key) fails after this many seconds.
    READY_CHECK_TIMEOUT_SECONDS: float = float(os.environ.get("READY_CHECK_TIMEOUT_SECONDS", "2"))
    # Background queue (Huey): sqlite:///<file> embedded (default), redis://… in production,
    # memory:// keeps jobs in this process until a test runs them.
    QUEUE_URL: str = os.environ.get("QUEUE_URL", f"sqlite:///{ROOT / 'var' / 'queue.sqlite3'}")
    # Queue name: the Redis key prefix, or the queue's rows in the SQLite file.
    HUEY_NAME: str = os.environ.get("HUEY_NAME", "reciprocal")
    # Run each job in the process that sends it, right after the commit (no worker needed).
    HUEY_IMMEDIATE: bool = _env_bool("HUEY_IMMEDIATE", False)
    # `flask worker`: threads that run jobs.
    HUEY_WORKERS: int = int(os.environ.get("HUEY_WORKERS", "2"))
    # Roster sync over NRPS: members per page asked of the platform (it may send fewer).
    ROSTER_SYNC_PAGE_SIZE: int = int(os.environ.get("ROSTER_SYNC_PAGE_SIZE", "100"))
    # A designer's launch queues a sync when the last one is older than this; 0 = never.
    ROSTER_SYNC_ON_LAUNCH_MINUTES: int = int(os.environ.get("ROSTER_SYNC_ON_LAUNCH_MINUTES", "15"))
    # Scheduled syncs: every course with an NRPS endpoint, when its last sync is this old.
    ROSTER_SYNC_EVERY_MINUTES: int = int(os.environ.get("ROSTER_SYNC_EVERY_MINUTES", "360"))
    # A course whose last sync failed (its LMS down, say) is synced again after this long.
    ROSTER_SYNC_RETRY_FAILED_MINUTES: int = int(
        os.environ.get("ROSTER_SYNC_RETRY_FAILED_MINUTES", "15")
    )
    # How often the worker looks for courses due a scheduled sync (a divisor of 60).
    ROSTER_SYNC_CHECK_MINUTES: int = int(os.environ.get("ROSTER_SYNC_CHECK_MINUTES", "5"))
    # Tracked jobs (roster syncs, matching runs): a running job's worker beats this often; one
    # silent for JOB_HEARTBEAT_LOST_SECONDS, or queued unstarted for JOB_QUEUED_LOST_SECONDS,
    # is marked failed and replaced by the next request.
    JOB_HEARTBEAT_SECONDS: float = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "20"))
    JOB_HEARTBEAT_LOST_SECONDS: float = float(os.environ.get("JOB_HEARTBEAT_LOST_SECONDS", "120"))
    JOB_QUEUED_LOST_SECONDS: float = float(os.environ.get("JOB_QUEUED_LOST_SECONDS", "900"))
    # The job ledger (jobs that must happen, lti_tool/jobs/ledger.py): a pending job not sent
    # for GRACE seconds is sent again; a running one whose worker has not beaten for LEASE
    # seconds is handed back and sent again; after MAX_ATTEMPTS failed runs it is failed;
    # done entries are kept KEEP_DAYS.
    JOB_LEDGER_GRACE_SECONDS: float = float(os.environ.get("JOB_LEDGER_GRACE_SECONDS", "120"))
    JOB_LEDGER_LEASE_SECONDS: float = float(os.environ.get("JOB_LEDGER_LEASE_SECONDS", "120"))
    JOB_LEDGER_MAX_ATTEMPTS: int = int(os.environ.get("JOB_LEDGER_MAX_ATTEMPTS", "5"))
    JOB_LEDGER_KEEP_DAYS: int = int(os.environ.get("JOB_LEDGER_KEEP_DAYS", "7"))
    # PostgreSQL: give up connecting after this many seconds (a 503 page, not a hang).
    DATABASE_CONNECT_TIMEOUT_SECONDS: int = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT_SECONDS", "5")
    )
    # A rate-limit store (Redis) that is down must not take pages down: count in memory.
    RATELIMIT_SWALLOW_ERRORS: bool = _env_bool("RATELIMIT_SWALLOW_ERRORS", True)
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED: bool = _env_bool(
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True
    )
    # Grade outbox (learning/grades): rows claimed per batch, sends in flight per drain,
    # a claim's lease (default 12 timeouts + 30 s), retry backoff base and cap, how long a
    # drain waits for rows about to be due, and how long one drain job runs at most.
    GRADE_SEND_BATCH: int = int(os.environ.get("GRADE_SEND_BATCH", "40"))
    GRADE_SEND_CONCURRENCY: int = int(os.environ.get("GRADE_SEND_CONCURRENCY", "8"))
    GRADE_SEND_LEASE_SECONDS: float | None = (
        float(os.environ["GRADE_SEND_LEASE_SECONDS"])
        if os.environ.get("GRADE_SEND_LEASE_SECONDS")
        else None
    )
    GRADE_RETRY_BASE_SECONDS: float = float(os.environ.get("GRADE_RETRY_BASE_SECONDS", "2"))
    GRADE_RETRY_CAP_SECONDS: float = float(os.environ.get("GRADE_RETRY_CAP_SECONDS", "900"))
    GRADE_DRAIN_IDLE_SECONDS: float = float(os.environ.get("GRADE_DRAIN_IDLE_SECONDS", "5"))
    GRADE_DRAIN_MAX_SECONDS: float = float(os.environ.get("GRADE_DRAIN_MAX_SECONDS", "240"))


class DevelopmentConfig(BaseConfig):
    # A development-only fallback so `make run` works on a fresh clone.
    SECRET_KEY = BaseConfig.SECRET_KEY or "dev-only-insecure-secret-change-me"
    ADMIN_SECRET = BaseConfig.ADMIN_SECRET or "demo-admin"
    OUTBOUND_ALLOWED_NETWORKS = os.environ.get("OUTBOUND_ALLOWED_NETWORKS", LOOPBACK_NETWORKS)
    METRICS_ALLOWED_NETWORKS = os.environ.get("METRICS_ALLOWED_NETWORKS", LOOPBACK_NETWORKS)


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    ADMIN_SECRET = "test-admin-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    KEY_ROTATION_GRACE_SECONDS = 3600
    # Jobs wait in memory until a test runs them (tests/jobs exercise SQLite and Redis).
    QUEUE_URL = "memory://"
    OUTBOUND_ALLOWED_NETWORKS = LOOPBACK_NETWORKS
    # Every test registers from 127.0.0.1; tests of the limit set their own.
    RATELIMIT_REGISTRATION = "1000 per minute"


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    REQUIRE_TRUSTED_BASE_URL = True
    DEMO_LMS_ENABLED = _env_bool("DEMO_LMS_ENABLED", False)


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[BaseConfig]:
    """The settings class for ``name`` or ``$RECIPROCAL_ENV`` (development by default)."""
    name = name or os.environ.get("RECIPROCAL_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"RECIPROCAL_ENV={name!r} is not one of {', '.join(CONFIGS)}") from None
