"""All settings, read from environment variables in this one place."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """Return LMS_SECRET_KEY, or a key kept in the instance folder (made on first run)."""
    if key := os.environ.get("LMS_SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _timezone() -> str:
    """LMS_TIMEZONE, an IANA name such as Asia/Almaty or Asia/Baghdad; refused if unknown."""
    name = os.environ.get("LMS_TIMEZONE", "UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"LMS_TIMEZONE={name!r} is not a known time zone (e.g. Asia/Almaty)") from exc
    return name


def _json_utf8(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def instance_path() -> str | None:
    """LMS_INSTANCE_PATH, where secrets, keys and the SQLite file live (default: ./instance)."""
    return os.environ.get("LMS_INSTANCE_PATH") or None


def _shared_state() -> dict:
    """Where several app servers share rate-limit counters, and how far forwarded headers go.

    LMS_REDIS_URL (e.g. redis://127.0.0.1:6379/0) holds Flask-Limiter's counters, so a limit
    counts every worker of every server together; LMS_RATELIMIT_STORAGE_URI overrides it
    with any storage the `limits` library knows. Without either, each process counts alone.
    """
    redis_url = os.environ.get("LMS_REDIS_URL", "")
    return {
        "LMS_REDIS_URL": redis_url,
        # The task queue (lms.tasks): in Redis when there is one, else a SQLite file in the
        # instance folder. LMS_TASKS_IMMEDIATE=1 runs tasks at once in the caller (tests only).
        "LMS_TASKS_REDIS_URL": redis_url,
        "LMS_TASKS_IMMEDIATE": os.environ.get("LMS_TASKS_IMMEDIATE", "0") == "1",
        # Certificates per task of a certificate zip (the worker processes draw parts side by side).
        "LMS_ZIP_PART_SIZE": int(os.environ.get("LMS_ZIP_PART_SIZE", "50")),
        # Worker processes of `lms worker` (each draws certificate PDFs on one core).
        "LMS_TASK_WORKERS": int(os.environ.get("LMS_TASK_WORKERS") or min(2, os.cpu_count() or 1)),
        "RATELIMIT_STORAGE_URI": os.environ.get("LMS_RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": "lms",
        # A storage outage must not turn sign-in into an error page: count in memory meanwhile.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # How many reverse proxies (nginx, a load balancer) stand in front of the app. Only that
        # many X-Forwarded-For/-Proto/-Host entries are believed; 0 believes none.
        "LMS_TRUSTED_PROXIES": int(os.environ.get("LMS_TRUSTED_PROXIES", "0")),
    }


def from_environment(instance_path: Path) -> dict:
    """Build the Flask config mapping from the environment."""
    default_db = f"sqlite:///{instance_path / 'lms.sqlite3'}"
    public_url = os.environ.get("LMS_PUBLIC_URL", "http://127.0.0.1:5000")
    # Cookies travel only over HTTPS whenever the public address is HTTPS.
    secure_default = "1" if public_url.lower().startswith("https://") else "0"
    secure_cookies = os.environ.get("LMS_SECURE_COOKIES", secure_default) == "1"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("LMS_DATABASE_URL", default_db),
        # JSON stored as UTF-8 text: Cyrillic and Arabic take their own two bytes, not a
        # six-byte \uXXXX escape each.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "json_serializer": _json_utf8},
        "BABEL_DEFAULT_LOCALE": os.environ.get("LMS_DEFAULT_LOCALE", "en"),
        # The deployment's time zone: "today" for due dates and reports, dates on pages and certificates.
        "LMS_TIMEZONE": _timezone(),
        "BABEL_DEFAULT_TIMEZONE": _timezone(),
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "LMS_COURSES_DIR": os.environ.get("LMS_COURSES_DIR", str(PROJECT_ROOT / "courses")),
        # The address certificates' QR codes and links point to.
        "LMS_PUBLIC_URL": public_url,
        **_shared_state(),
        "RATELIMIT_ENABLED": os.environ.get("LMS_RATELIMIT_ENABLED", "1") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Slow intranet links: compress every text response.
        # gzip first, to any browser that takes it (all do): made by ISA-L (lms.extensions.Compress)
        # it is both faster and smaller than Brotli at quality 1 on a lesson page (14.6 KB of
        # HTML: 35 µs and 5.46 KB against 111 µs and 5.73 KB).
        "COMPRESS_ALGORITHM": ["gzip", "br"],
        "COMPRESS_MIN_SIZE": 500,
        # ISA-L's level 1 (of 0-3), chosen by measurement on a lesson page: level 0 is 30 % faster
        # but 8 % bigger, level 2 12 % slower for 1 % fewer bytes, level 3 twice as slow.
        "COMPRESS_LEVEL": 1,
        # Brotli at quality 1 (Flask-Compress's default is 4) for a client that takes no gzip.
        "COMPRESS_BR_LEVEL": 1,
        "COMPRESS_MIMETYPES": [
            "text/html", "text/css", "text/csv", "application/javascript", "application/json",
            "image/svg+xml",
        ],
        # Sign-in throttling (lms/auth/throttle.py): after this many failures on an account
        # from one address each attempt waits twice as long as the last, up to the ceiling.
        "LMS_SIGNIN_FREE_FAILURES": int(os.environ.get("LMS_SIGNIN_FREE_FAILURES", "5")),
        "LMS_SIGNIN_MAX_DELAY_SECONDS": int(os.environ.get("LMS_SIGNIN_MAX_DELAY_SECONDS", "900")),
        "LMS_SIGNIN_WINDOW_MINUTES": int(os.environ.get("LMS_SIGNIN_WINDOW_MINUTES", "60")),
        # E-mail reminders (lms reminders send): only when an SMTP server is named.
        "LMS_SMTP_HOST": os.environ.get("LMS_SMTP_HOST", ""),
        "LMS_SMTP_PORT": int(os.environ.get("LMS_SMTP_PORT", "25")),
        "LMS_SMTP_STARTTLS": os.environ.get("LMS_SMTP_STARTTLS", "0") == "1",
        "LMS_SMTP_USER": os.environ.get("LMS_SMTP_USER", ""),
        "LMS_SMTP_PASSWORD": os.environ.get("LMS_SMTP_PASSWORD", ""),
        "LMS_MAIL_FROM": os.environ.get("LMS_MAIL_FROM", "training@localhost"),
        # Groups smaller than this are shown as "<N" in breakdowns meant for sharing.
        "LMS_SMALL_GROUP_THRESHOLD": int(os.environ.get("LMS_SMALL_GROUP_THRESHOLD", "5")),
    }
