"""Configuration read from the environment, with safe defaults for a developer's machine.

Every setting here is listed in the README's configuration table.
"""
import os

DEV_SECRET_KEY = "dev-only-secret-change-me"
# LEKAS_ENV is read case-insensitively and trimmed; anything else stops the app, so a typo such as
# "prod" can never run a deployment with the development secret and open webhooks.
ENVIRONMENTS = ("development", "test", "production")
MIN_SECRET_KEY = 32
MIN_CALLBACK_TOKEN = 24


def _env(name, default=None):
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def from_env(instance_path):
    """Return the app's settings as a dict, read from the environment."""
    sqlite_path = os.path.join(instance_path, "lekas.sqlite3")
    return {
        "SQLALCHEMY_DATABASE_URI": _database_url(_env("DATABASE_URL", f"sqlite:///{sqlite_path}")),
        "REDIS_URL": _env("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "SECRET_KEY": _env("SECRET_KEY", DEV_SECRET_KEY),
        "LEKAS_ENV": environment(os.environ.get("LEKAS_ENV")),
        "SMS_PROVIDER": _env("SMS_PROVIDER", "simulator"),
        "AT_USERNAME": _env("AT_USERNAME"),
        "AT_API_KEY": _env("AT_API_KEY"),
        "AT_SENDER_ID": _env("AT_SENDER_ID"),
        "AT_API_URL": _env("AT_API_URL"),
        "SIMULATOR_PORT": int(_env("SIMULATOR_PORT", "5001")),
        "CALLBACK_TOKEN": _env("CALLBACK_TOKEN"),
        "USSD_CODE": _env("USSD_CODE", "*384*5758#"),
        "SMS_SHORTCODE": _env("SMS_SHORTCODE", "5758"),
        "OFFICE_TZ": _env("OFFICE_TZ", "Asia/Pontianak"),
        "DEFAULT_LANGUAGE": _env("DEFAULT_LANGUAGE", "id"),
        # An empty QUIET_HOURS turns quiet hours off, so it is read without a fallback for "".
        "QUIET_HOURS": os.environ.get("QUIET_HOURS", "21:00-07:00"),
        "SMS_CHUNK_SIZE": int(_env("SMS_CHUNK_SIZE", "500")),
        "SMS_RATE_LIMIT": float(_env("SMS_RATE_LIMIT", "0")),
        "SEND_MAX_ATTEMPTS": int(_env("SEND_MAX_ATTEMPTS", "6")),
        "READY_REMINDER_DAYS": int(_env("READY_REMINDER_DAYS", "7")),
        "SMS_COST_PER_SEGMENT": int(_env("SMS_COST_PER_SEGMENT", "300")),
        "SMS_TIMEOUT": _env("SMS_TIMEOUT"),
        "LEKAS_CLOCK": _env("LEKAS_CLOCK"),
        "STATUS_COLLAPSE_SECONDS": float(_env("STATUS_COLLAPSE_SECONDS", "60")),
        "SEND_RETRY_BASE_SECONDS": float(_env("SEND_RETRY_BASE_SECONDS", "60")),
        "SEND_RETRY_MAX_SECONDS": float(_env("SEND_RETRY_MAX_SECONDS", "1800")),
        "SWEEP_INTERVAL_SECONDS": float(_env("SWEEP_INTERVAL_SECONDS", "60")),
        "SEND_QUEUED_GRACE_SECONDS": float(_env("SEND_QUEUED_GRACE_SECONDS", "300")),
        "SEND_SENDING_GRACE_SECONDS": float(_env("SEND_SENDING_GRACE_SECONDS", "120")),
        "DLR_TIMEOUT_HOURS": float(_env("DLR_TIMEOUT_HOURS", "48")),
        "DLR_UNMATCHED_KEEP_HOURS": float(_env("DLR_UNMATCHED_KEEP_HOURS", "72")),
        "WORKER_MAINTENANCE_SECONDS": int(_env("WORKER_MAINTENANCE_SECONDS", "60")),
        "STATUS_LOOKUP_LIMIT": int(_env("STATUS_LOOKUP_LIMIT", "5")),
        "STATUS_LOOKUP_WINDOW": int(_env("STATUS_LOOKUP_WINDOW", "600")),
        "STATUS_ATTEMPT_LIMIT": int(_env("STATUS_ATTEMPT_LIMIT", "20")),
        "FEEDBACK_LIMIT": int(_env("FEEDBACK_LIMIT", "5")),
        "FEEDBACK_WINDOW": int(_env("FEEDBACK_WINDOW", "3600")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Room for a pasted broadcast list of MAX_PHONES numbers; nothing else comes near it.
        "MAX_CONTENT_LENGTH": 512 * 1024,
        "BABEL_DEFAULT_LOCALE": _env("DEFAULT_LANGUAGE", "id"),
        "BABEL_TRANSLATION_DIRECTORIES": os.path.join(os.path.dirname(__file__), "translations"),
    }


def environment(raw: str | None) -> str:
    """The deployment kind LEKAS_ENV names (unset or empty: development).

    :raise RuntimeError: when it names none of ENVIRONMENTS.
    """
    value = (raw or "").strip().lower() or "development"
    if value not in ENVIRONMENTS:
        raise RuntimeError(f"LEKAS_ENV must be one of {', '.join(ENVIRONMENTS)} (any case); got {raw!r}")
    return value


def is_production(config) -> bool:
    return config["LEKAS_ENV"] == "production"


def _database_url(url):
    # Heroku-style URLs say postgres://, which SQLAlchemy no longer accepts; psycopg 3 is the driver we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def check_production(config):
    """Refuse to run a production deployment with a weak or development secret, open or weakly locked
    webhooks, the telco simulator, or a moved clock."""
    if not is_production(config):
        return
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET_KEY or len(secret) < MIN_SECRET_KEY:
        raise RuntimeError(f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY} characters "
                           "when LEKAS_ENV=production")
    if len(config.get("CALLBACK_TOKEN") or "") < MIN_CALLBACK_TOKEN:
        # Without it anyone could post a fake USSD hop or opt a citizen out.
        raise RuntimeError(f"CALLBACK_TOKEN must be a random value of at least {MIN_CALLBACK_TOKEN} characters "
                           "when LEKAS_ENV=production (see README, Deploying)")
    if config.get("SMS_PROVIDER") == "simulator":
        raise RuntimeError("SMS_PROVIDER=simulator sends nothing to real phones; choose a real provider "
                           "when LEKAS_ENV=production")
    if config.get("LEKAS_CLOCK"):
        raise RuntimeError("LEKAS_CLOCK moves the clock for drills; it must be unset when LEKAS_ENV=production")
