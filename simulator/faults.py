"""Faults an operator or a test switches on at run time to make the telco misbehave."""
import random
import zlib
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from simulator import numbers

# AT's per-recipient status codes (SMS send API) and the status word it gives with each.
STATUS_NAMES = {
    100: "Processed",
    101: "Success",
    102: "Queued",
    401: "RiskHold",
    402: "InvalidSenderId",
    403: "InvalidPhoneNumber",
    404: "UnsupportedNumberType",
    405: "InsufficientBalance",
    406: "UserInBlacklist",
    407: "CouldNotRoute",
    409: "DoNotDisturbRejection",
    500: "InternalServerError",
    501: "GatewayError",
    502: "RejectedByGateway",
}
FAILURE_CODES = frozenset(code for code in STATUS_NAMES if code >= 400)

# Answers real AT has been seen to give that a well-behaved fake would never produce.
QUIRKS = frozenset({
    "text_content_type",   # JSON body under "application/json; charset=utf-8": the SDK hands back a str
    "html_body",           # a 200 whose body is not JSON at all (a proxy's error page)
    "auth_401",            # 401 "The supplied authentication is invalid", whatever the key
    "message_id_none",     # accepted recipients carry messageId "None"
    "missing_recipient",   # the last recipient is delivered but left out of the answer
})
EMPTY_RECIPIENTS = "empty_recipients:"  # + a reason, e.g. InvalidSenderId, put in Message with no Recipients


class FaultError(ValueError):
    """A fault setting that cannot be applied; the message says which and why."""


@dataclass(frozen=True)
class Faults:
    """Every fault switch, all off by default."""

    fail_share: float = 0.0
    fail_codes: tuple[int, ...] = (406,)
    fail_numbers: dict = field(default_factory=dict)
    http_500: float = 0.0
    http_500_count: int = 0
    slow_ms: int = 0
    timeout_count: int = 0
    timeout_s: float = 30.0
    dlr_drop: float = 0.0
    dlr_duplicate: float = 0.0
    dlr_fail: float = 0.0
    dlr_fail_reason: str = "DeliveryFailure"
    incoming_duplicate: float = 0.0
    quirk: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready view of the switches."""
        data = asdict(self)
        data["fail_codes"] = list(self.fail_codes)
        return data

    def updated(self, changes: dict) -> "Faults":
        """A copy with `changes` (as posted to /api/faults) applied.

        :raise FaultError: on an unknown key or a value out of range.
        """
        if not isinstance(changes, dict):
            raise FaultError("Send a JSON object of fault settings.")
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            raise FaultError(f"Unknown fault setting(s): {', '.join(sorted(unknown))}.")
        clean = {key: _PARSERS[key](key, value) for key, value in changes.items()}
        return replace(self, **clean)

    def recipient_failure(self, phone: str) -> int | None:
        """The status code `phone` fails with at send time, or None when it goes through.

        Chosen from the number itself so a given number fails the same way on every try.
        """
        code = self.fail_numbers.get(phone)
        if code is not None:
            return code
        if self.fail_share and _share_of(phone) < self.fail_share:
            return self.fail_codes[zlib.crc32(phone.encode()) % len(self.fail_codes)]
        return None

    @staticmethod
    def chance(share: float) -> bool:
        """True for roughly `share` of calls."""
        return share > 0 and random.random() < share


def _share_of(phone: str) -> float:
    return zlib.crc32(b"fail:" + phone.encode()) / 0xFFFFFFFF


def _share(key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise FaultError(f"{key} must be a number from 0 to 1.")
    return float(value)


def _count(key, value, limit=10**9):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise FaultError(f"{key} must be a whole number from 0 to {limit}.")
    return value


def _seconds(key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 600:
        raise FaultError(f"{key} must be a number of seconds from 0 to 600.")
    return float(value)


def _code(key, value):
    if isinstance(value, bool) or value not in FAILURE_CODES:
        raise FaultError(f"{key}: {value!r} is not one of AT's failure codes {sorted(FAILURE_CODES)}.")
    return value


def _codes(key, value):
    if not isinstance(value, list) or not value:
        raise FaultError(f"{key} must be a non-empty list of AT failure codes.")
    return tuple(_code(key, code) for code in value)


def _numbers(key, value):
    if not isinstance(value, dict):
        raise FaultError(f"{key} must map phone numbers to AT failure codes.")
    clean = {}
    for raw, code in value.items():
        phone = numbers.normalize(raw)
        if not numbers.is_valid(phone):
            raise FaultError(f"{key}: {raw!r} is not a phone number.")
        clean[phone] = _code(key, code)
    return clean


def _reason(key, value):
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise FaultError(f"{key} must be a short non-empty text.")
    return value.strip()


def _quirk(key, value):
    if value is None or value == "":
        return None
    if isinstance(value, str) and (value in QUIRKS or (
            value.startswith(EMPTY_RECIPIENTS) and len(value) > len(EMPTY_RECIPIENTS))):
        return value
    raise FaultError(f"{key} must be empty, one of {sorted(QUIRKS)} or '{EMPTY_RECIPIENTS}<Reason>'.")


_PARSERS = {
    "fail_share": _share,
    "fail_codes": _codes,
    "fail_numbers": _numbers,
    "http_500": _share,
    "http_500_count": _count,
    "slow_ms": lambda key, value: _count(key, value, 600_000),
    "timeout_count": _count,
    "timeout_s": _seconds,
    "dlr_drop": _share,
    "dlr_duplicate": _share,
    "dlr_fail": _share,
    "dlr_fail_reason": _reason,
    "incoming_duplicate": _share,
    "quirk": _quirk,
}
