"""Configuration read from the environment, with safe defaults for a developer's machine.

Every setting here is listed in the README's configuration table. Each is read once, here, into the
type the code uses (SETTINGS: one line per setting), so a wrong value stops the app as it starts (web,
worker and every flask command alike) with a message naming the variable, instead of failing inside a
job hours later. Code that reads a setting takes `app.config[NAME]` as it is, without converting it.
"""
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from limits import parse_many

from office import clock
from office import quiet_hours
from office.i18n import LANGUAGES

DEV_SECRET_KEY = "dev-only-secret-change-me"
# LEKAS_ENV is read case-insensitively and trimmed; anything else stops the app, so a typo such as
# "prod" can never run a deployment with the development secret and open webhooks.
ENVIRONMENTS = ("development", "test", "production")
MIN_SECRET_KEY = 32
MIN_CALLBACK_TOKEN = 24


def _env(name, default=None):
    value = os.environ.get(name)
    return default if value is None or value == "" else value


@dataclass(frozen=True)
class Form:
    """What a setting accepts: `parse` turns its text into the value (ValueError when it cannot), `text`
    says the accepted form in words for the error message."""

    parse: Callable[[str], Any]
    text: str


TEXT = Form(str, "any text")


@dataclass(frozen=True)
class Setting:
    """One environment variable: its default, written as it would be in the environment, and its form.

    An empty value means unset, except where `empty_is_value` (QUIET_HOURS: empty turns quiet hours off).
    """

    name: str
    default: str | None
    form: Form = TEXT
    empty_is_value: bool = False

    def read(self) -> Any:
        """This setting's value from the environment (or its default), parsed; None when unset without default.

        :raise ValueError: naming the variable, its value and the accepted form.
        """
        if self.empty_is_value:
            raw = os.environ.get(self.name, self.default)
        else:
            raw = _env(self.name, self.default)
        if raw is None:
            return None
        try:
            return self.form.parse(raw)
        except ValueError:
            raise ValueError(f"{self.name}={raw!r} is not valid: {self.form.text}") from None


def whole(low: int, high: int | None = None) -> Form:
    """A whole number of at least `low` (and at most `high`, when given)."""
    return _bounded(int, "a whole number", low, high)


def number(low: float) -> Form:
    """A finite number, decimals allowed, of at least `low`."""
    return _bounded(_finite, "a number", low, None)


def _bounded(convert: Callable[[str], Any], noun: str, low: float, high: float | None) -> Form:
    def parse(text: str):
        value = convert(text)
        if value < low or (high is not None and value > high):
            raise ValueError(text)
        return value

    return Form(parse, f"{noun} from {low} to {high}" if high is not None else f"{noun} of {low} or more")


def _finite(text: str) -> float:
    # float() also reads "nan" and "inf", which no duration or rate can be.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def one_of(*choices: str) -> Form:
    """One of `choices` in any case and spacing, kept in lower case."""
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(text)
        return value

    return Form(parse, f"one of {', '.join(choices)} (any case)")


def kept(check: Callable[[str], object], text: str) -> Form:
    """The text itself, once `check` accepts it.

    For the settings whose readers parse the text themselves with that same `check` (cached), as the office
    clock also does outside an app, straight from the environment: the time zone, quiet hours, the clock.
    """
    def parse(value: str) -> str:
        check(value)
        return value

    return Form(parse, text)


def _time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, OSError) as exc:  # a KeyError, or a folder such as "Asia" in tzdata
        raise ValueError(name) from exc


def _rate(text: str) -> None:
    try:
        parse_many(text)
    except ValueError as exc:
        raise ValueError(text) from exc


def _timeout(text: str) -> float | tuple[float, float]:
    # As requests takes it: one number for both waits, or (connect, read).
    parts = tuple(_finite(part) for part in text.split(","))
    if len(parts) > 2 or min(parts) <= 0:
        raise ValueError(text)
    return parts if len(parts) == 2 else parts[0]


TIME_ZONE = kept(_time_zone, "a time zone name of the IANA database, such as Asia/Pontianak")
QUIET_WINDOW = kept(quiet_hours.parse, "HH:MM-HH:MM in office time, two different times such as 21:00-07:00, "
                                       "or empty for no quiet hours")
CLOCK = kept(clock.parse_override, f"seconds to move the clock by (within {clock.MAX_OFFSET_YEARS} years), "
                                   "such as +32400, or an ISO 8601 instant such as 2026-11-30T22:00:00+07:00")
RATE = kept(_rate, "a rate limit such as 30 per 15 minutes or 10/minute")
TIMEOUT = Form(_timeout, "seconds above 0: one number, or connect,read such as 3.05,10")

SETTINGS = (
    Setting("REDIS_URL", "redis://127.0.0.1:6379/0"),
    # Also the request-path clients' socket timeout, which must leave Redis some time to answer.
    Setting("REDIS_REQUEST_BUDGET_SECONDS", "0.15", number(0.01)),
    Setting("REDIS_BREAKER_SECONDS", "5", number(0)),
    Setting("SECRET_KEY", DEV_SECRET_KEY),
    Setting("SMS_PROVIDER", "simulator", one_of("simulator", "africastalking", "gammu")),
    Setting("AT_USERNAME", None),
    Setting("AT_API_KEY", None),
    Setting("AT_SENDER_ID", None),
    Setting("AT_API_URL", None),
    Setting("SIMULATOR_PORT", "5001", whole(1, 65535)),
    # The office's own GSM modem through gammu-smsd's SQL tables (SMS_PROVIDER=gammu): their database, the
    # daemon's schema scripts, the SMS per minute its modems send, the one daemon (PhoneID) to send through
    # (unset: any), and how often the worker reads what the daemon sent and received.
    Setting("GAMMU_DATABASE_URL", None),
    Setting("GAMMU_SCHEMA_DIR", "/usr/share/doc/gammu-smsd/examples"),
    Setting("GAMMU_SEND_RATE", "6", number(0.1)),
    Setting("GAMMU_PHONE_ID", None),
    Setting("GAMMU_POLL_SECONDS", "5", number(1)),
    Setting("CALLBACK_TOKEN", None),
    # Telco webhook requests per client address (USSD hops, incoming SMS, delivery reports together).
    Setting("WEBHOOK_RATE_LIMIT", "12000 per minute", RATE),
    # API requests per key (per address for requests without one).
    Setting("API_RATE_LIMIT", "600 per minute", RATE),
    # Unset: there is no /metrics page. Set: /metrics answers a reader that sends it as a Bearer token.
    Setting("METRICS_TOKEN", None),
    Setting("USSD_CODE", "*384*5758#"),
    Setting("SMS_SHORTCODE", "5758"),
    Setting("OFFICE_TZ", clock.DEFAULT_TZ, TIME_ZONE),
    Setting("DEFAULT_LANGUAGE", "id", one_of(*LANGUAGES)),
    Setting("QUIET_HOURS", "21:00-07:00", QUIET_WINDOW, empty_is_value=True),
    Setting("SMS_CHUNK_SIZE", "500", whole(1, 1000)),
    Setting("SMS_RATE_LIMIT", "0", number(0)),
    Setting("SEND_MAX_ATTEMPTS", "6", whole(1)),
    Setting("READY_REMINDER_DAYS", "7", whole(1)),
    Setting("SMS_COST_PER_SEGMENT", "300", whole(0)),
    Setting("SMS_TIMEOUT", "3.05,10", TIMEOUT),
    Setting("LEKAS_CLOCK", None, CLOCK),
    Setting("STATUS_COLLAPSE_SECONDS", "60", number(0)),
    Setting("SEND_RETRY_BASE_SECONDS", "60", number(0)),
    Setting("SEND_RETRY_MAX_SECONDS", "1800", number(0)),
    Setting("SWEEP_INTERVAL_SECONDS", "60", number(1)),
    Setting("REDISPATCH_INTERVAL_SECONDS", "10", number(1)),
    Setting("SEND_QUEUED_GRACE_SECONDS", "300", number(0)),
    Setting("SEND_SENDING_GRACE_SECONDS", "120", number(0)),
    Setting("DLR_TIMEOUT_HOURS", "48", number(0)),
    Setting("DLR_UNMATCHED_KEEP_HOURS", "72", number(0)),
    Setting("WORKER_MAINTENANCE_SECONDS", "60", whole(1)),
    Setting("STATUS_LOOKUP_LIMIT", "5", whole(1)),
    Setting("STATUS_LOOKUP_WINDOW", "600", whole(1)),
    Setting("STATUS_ATTEMPT_LIMIT", "20", whole(1)),
    Setting("FEEDBACK_LIMIT", "5", whole(1)),
    Setting("FEEDBACK_WINDOW", "3600", whole(1)),
    # The console: a session ends after this long without a request, and in any case after the maximum.
    Setting("STAFF_IDLE_MINUTES", "30", whole(1)),
    Setting("STAFF_SESSION_HOURS", "12", whole(1)),
    # Sign-in attempts per address, beside each account's own lockout; an office's staff share an address.
    Setting("STAFF_LOGIN_RATE_LIMIT", "30 per 15 minutes", RATE),
    # How many reverse proxies in front of Lekas to believe about the client's address and scheme (nginx: 1).
    Setting("PROXY_HOPS", "0", whole(0, 5)),
    # The lobby kiosk: after this long without a touch it asks "Masih di sini?" for the countdown, then clears.
    Setting("KIOSK_IDLE_SECONDS", "45", whole(5)),
    Setting("KIOSK_COUNTDOWN_SECONDS", "20", whole(20)),
    # A kiosk's address stands for this many citizens: its status and feedback limits are the per-phone ones
    # times this.
    Setting("KIOSK_SHARED_BY", "12", whole(1)),
    # The lobby queue: after this many priority tickets in a row, a normal ticket waiting longer than the
    # maximum (minutes) is called; an SMS goes when this many people or fewer are ahead.
    Setting("QUEUE_PRIORITY_STREAK", "2", whole(1)),
    Setting("QUEUE_MAX_NORMAL_WAIT", "20", whole(0)),
    Setting("QUEUE_NOTIFY_AHEAD", "3", whole(0)),
)


def _read_settings() -> dict:
    """Every setting of SETTINGS, read from the environment and parsed.

    :raise RuntimeError: naming each setting whose value is not of its accepted form, all in one message.
    """
    values, errors = {}, []
    for setting in SETTINGS:
        try:
            values[setting.name] = setting.read()
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        raise RuntimeError("; ".join(errors))
    return values


def from_env(instance_path):
    """Return the app's settings as a dict, read from the environment.

    :raise RuntimeError: when a setting's value is not of its accepted form, or LEKAS_ENV is unknown.
    """
    sqlite_path = os.path.join(instance_path, "lekas.sqlite3")
    settings = _read_settings()
    return {
        "SQLALCHEMY_DATABASE_URI": _database_url(_env("DATABASE_URL", f"sqlite:///{sqlite_path}")),
        "LEKAS_ENV": environment(os.environ.get("LEKAS_ENV")),
        **settings,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # The console's session cookie is never sent along with another site's request.
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Room for a pasted broadcast list of MAX_PHONES numbers; nothing else comes near it.
        "MAX_CONTENT_LENGTH": 512 * 1024,
        "BABEL_DEFAULT_LOCALE": settings["DEFAULT_LANGUAGE"],
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
    if config.get("METRICS_TOKEN") and len(config["METRICS_TOKEN"]) < MIN_CALLBACK_TOKEN:
        raise RuntimeError(f"METRICS_TOKEN must be a random value of at least {MIN_CALLBACK_TOKEN} characters "
                           "when LEKAS_ENV=production, or unset (no /metrics)")
    if config.get("SMS_PROVIDER") == "simulator":
        raise RuntimeError("SMS_PROVIDER=simulator sends nothing to real phones; choose a real provider "
                           "when LEKAS_ENV=production")
    if config.get("SMS_PROVIDER") == "gammu" and not config.get("GAMMU_DATABASE_URL"):
        raise RuntimeError("SMS_PROVIDER=gammu needs GAMMU_DATABASE_URL, the database gammu-smsd writes to")
    if config.get("LEKAS_CLOCK"):
        raise RuntimeError("LEKAS_CLOCK moves the clock for drills; it must be unset when LEKAS_ENV=production")
