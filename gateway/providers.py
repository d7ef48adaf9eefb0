"""Sending SMS through Africa's Talking (or the local simulator, which speaks the same API).

Every answer AT can give is reduced to one of three outcomes per phone: "accepted" (AT took
it; keep its messageId to match the delivery report), "failed" (permanent for that number),
or "retry" (try again later). Anything unexpected is "retry", so a message is never lost
because AT, the network or an operator's key misbehaved.
"""
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.Service import validate_phone
from africastalking.SMS import SMSService

from office import outbox
from office.outbox import Outcome

ACCEPTED, FAILED, RETRY = Outcome.ACCEPTED, Outcome.FAILED, Outcome.RETRY

# AT's per-recipient statusCode values and what each means for that phone.
_ACCEPTED_CODES = frozenset({100, 101, 102})
_PERMANENT_CODES = frozenset({401, 403, 404, 406, 407, 409})
# Status words AT may put in Message (with no Recipients) that are permanent for the number.
_PERMANENT_REASONS = frozenset(
    {"riskhold", "invalidphonenumber", "unsupportednumbertype", "userinblacklist", "couldnotroute",
     "donotdisturbrejection"}
)
_AUTH_INVALID = "authentication is invalid"
# The number refuses our SMS (it opted out with its network): the office must stop sending to it.
_BLACKLIST_CODE = 406
_BLACKLISTED = "userinblacklist"

# AT's delivery-report status words (compared case-insensitively) and what each means for the message;
# any other word changes nothing.
_DELIVERY_OUTCOMES = {
    "sent": outbox.SENT,
    "submitted": outbox.SENT,
    "buffered": outbox.SENT,
    "success": outbox.DELIVERED,
    "failed": outbox.FAILED,
    "rejected": outbox.FAILED,
    "expired": outbox.FAILED,  # AT gave up delivering within the message's validity
}

DEFAULT_TIMEOUT = (3.05, 10.0)
DEFAULT_CHUNK_SIZE = 500
DEFAULT_SIMULATOR_PORT = 5001


@dataclass(frozen=True)
class SendResult:
    """What happened to one message for one phone."""

    phone: str
    outcome: str  # ACCEPTED | FAILED | RETRY
    provider_id: str | None
    error: str | None
    cost: str | None = None
    status_code: int | None = None
    opt_out: bool = False  # the number refuses our SMS: stop sending to it


@dataclass(frozen=True)
class DeliveryReading:
    """What one of AT's delivery reports means: the message's new state (None: no change), and whether
    the number refuses our SMS."""

    outcome: str | None
    opt_out: bool


def read_delivery_report(status: str, failure_reason: str | None) -> DeliveryReading:
    """Read AT's delivery-report words (status, failureReason) into what they mean for the message."""
    return DeliveryReading(_DELIVERY_OUTCOMES.get(status.strip().casefold()),
                           (failure_reason or "").strip().casefold() == _BLACKLISTED)


class SmsProvider(Protocol):
    """Anything that sends SMS the way Lekas needs.

    `resends_safely`: a send may be run again for a message whose first send's outcome is unknown (the
    provider recognises the message by its Lekas id and does not send it twice). `rate_per_minute`: the
    SMS per minute the provider declares it sends, None when it does not limit them.
    """

    resends_safely: bool
    rate_per_minute: float | None

    def send(self, text: str, phones: list[str], *, message_ids: list[int] | None = None) -> list[SendResult]:
        """Send `text` to every phone (the Lekas outbox row of each in `message_ids`); one result per phone,
        in the same order."""

    def send_premium(self, text: str, phone: str, link_id: str, keyword: str | None = None, *,
                     message_id: int | None = None) -> SendResult:
        """Reply to an on-demand message from `phone`, echoing its `link_id`."""


class _SdkService(SMSService):
    """The SDK's SMS service, optionally aimed at another host (the simulator, a test double)."""

    def __init__(self, username: str, api_key: str, api_url: str | None):
        self._api_url = api_url  # read by _init_service, which the base __init__ calls
        super().__init__(username, api_key)

    def _init_service(self):
        super()._init_service()
        if not self._api_url:
            return
        # The SDK has no setting for its host; these private attributes are all it reads.
        # Fail at start rather than quietly sending to the real AT after an SDK upgrade.
        for name in ("_baseUrl", "_contentUrl"):
            if not isinstance(getattr(self, name, None), str):
                raise RuntimeError(f"africastalking SDK no longer has {name}; cannot honour AT_API_URL")
        self._baseUrl = self._contentUrl = self._api_url.rstrip("/") + "/version1"


class AfricasTalkingProvider:
    """SmsProvider on the official africastalking SDK, with synchronous calls and explicit timeouts."""

    resends_safely = False  # AT has no idempotency key: a second request is a second SMS

    def __init__(self, username: str, api_key: str, *, sender_id: str | None = None,
                 api_url: str | None = None, shortcode: str | None = None,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, timeout=DEFAULT_TIMEOUT,
                 rate_per_minute: float | None = None):
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.service = _SdkService(username, api_key, api_url)
        self.sender_id = sender_id
        self.shortcode = shortcode
        self.chunk_size = chunk_size
        self.timeout = timeout
        self.rate_per_minute = rate_per_minute

    def send(self, text: str, phones: list[str], *, message_ids: list[int] | None = None) -> list[SendResult]:
        """Send `text` to `phones` in chunks of `chunk_size`; one result per phone, same order.

        A phone the SDK would reject (not +digits) fails alone instead of aborting its chunk.
        """
        results: list[SendResult | None] = [None] * len(phones)
        sendable = []
        for index, phone in enumerate(phones):
            if isinstance(phone, str) and validate_phone(phone):
                sendable.append(index)
            else:
                results[index] = SendResult(str(phone), FAILED, None, "invalid phone number")
        for start in range(0, len(sendable), self.chunk_size):
            indexes = sendable[start:start + self.chunk_size]
            chunk = [phones[index] for index in indexes]
            answers = self._call(chunk, lambda: self.service.send(
                text, chunk, sender_id=self.sender_id, timeout=self.timeout))
            for index, result in zip(indexes, answers):
                results[index] = result
        return results

    def send_premium(self, text: str, phone: str, link_id: str, keyword: str | None = None, *,
                     message_id: int | None = None) -> SendResult:
        """Reply through the short code with AT's linkId, as on-demand services require."""
        if not (isinstance(phone, str) and validate_phone(phone)):
            return SendResult(str(phone), FAILED, None, "invalid phone number")
        if not self.shortcode:
            raise ValueError("send_premium needs SMS_SHORTCODE")
        return self._call([phone], lambda: self.service.send_premium(
            text, self.shortcode, [phone], keyword=keyword, link_id=link_id, timeout=self.timeout))[0]

    def _call(self, phones: list[str], request) -> list[SendResult]:
        """Run one SDK request for `phones` and map whatever comes back (or goes wrong)."""
        try:
            answer = request()
        except requests.Timeout:
            return _all(phones, RETRY, "timeout")
        except requests.ConnectionError as exc:
            return _all(phones, RETRY, f"connection error: {type(exc).__name__}")
        except requests.RequestException as exc:
            return _all(phones, RETRY, f"request error: {type(exc).__name__}")
        except AfricasTalkingException as exc:
            body = str(exc).strip()
            if _AUTH_INVALID in body.lower():
                return _all(phones, RETRY, f"auth: {body[:120]}")
            return _all(phones, RETRY, f"HTTP error: {body[:120] or 'empty body'}")
        return map_response(answer, phones)


def _all(phones: list[str], outcome: str, error: str) -> list[SendResult]:
    return [SendResult(phone, outcome, None, error) for phone in phones]


def map_response(answer, phones: list[str]) -> list[SendResult]:
    """Turn AT's answer to a send of `phones` into one SendResult per phone, in order.

    Copes with a JSON text instead of a dict, a body that is not JSON, an empty Recipients
    list with a reason in Message, messageId "None" and recipients missing from the answer.
    """
    if isinstance(answer, (str, bytes)):
        try:
            answer = json.loads(answer)
        except ValueError:
            return _all(phones, RETRY, f"unexpected response: {_snippet(answer)}")
    data = answer.get("SMSMessageData") if isinstance(answer, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("Recipients", []), list):
        return _all(phones, RETRY, f"unexpected response: {_snippet(answer)}")
    recipients = data.get("Recipients") or []
    if not recipients:
        reason = str(data.get("Message") or "no recipients in answer")[:120]
        outcome = FAILED if reason.lower() in _PERMANENT_REASONS else RETRY
        refused = reason.casefold() == _BLACKLISTED
        return [SendResult(phone, outcome, None, reason, opt_out=refused) for phone in phones]
    by_number: dict[str, list[dict]] = {}
    for entry in recipients:
        if isinstance(entry, dict):
            by_number.setdefault(str(entry.get("number", "")), []).append(entry)
    # A phone listed twice gets one answer each, in order.
    return [_map_recipient(phone, by_number[phone].pop(0)) if by_number.get(phone)
            else SendResult(phone, RETRY, None, "missing from answer") for phone in phones]


def _map_recipient(phone: str, entry: dict) -> SendResult:
    try:
        code = int(entry.get("statusCode"))
    except (TypeError, ValueError):
        return SendResult(phone, RETRY, None, f"unexpected statusCode {entry.get('statusCode')!r}")
    message_id = entry.get("messageId")
    message_id = None if message_id in (None, "", "None") else str(message_id)
    cost = entry.get("cost")
    cost = None if cost is None else str(cost)
    if code in _ACCEPTED_CODES:
        return SendResult(phone, ACCEPTED, message_id, None, cost, code)
    outcome = FAILED if code in _PERMANENT_CODES else RETRY
    return SendResult(phone, outcome, None, f"{code} {entry.get('status') or 'unknown'}", cost, code,
                      opt_out=code == _BLACKLIST_CODE)


def _snippet(value) -> str:
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:80] or "empty body"


def provider_from_config(config: Mapping) -> SmsProvider:
    """The Africa's Talking provider `config` asks for (SMS_PROVIDER "simulator" or "africastalking";
    gateway.sms_provider adds "gammu").

    `config` holds the settings as config.py parses them; one left out takes the provider's default.
    "simulator" is the AT provider aimed at http://127.0.0.1:$SIMULATOR_PORT unless AT_API_URL
    says otherwise, with placeholder credentials when none are set.

    :raise ValueError: for an unknown provider or missing AT credentials.
    """
    kind = config.get("SMS_PROVIDER", "simulator")
    username = config.get("AT_USERNAME")
    api_key = config.get("AT_API_KEY")
    api_url = config.get("AT_API_URL")
    if kind == "simulator":
        port = config.get("SIMULATOR_PORT", DEFAULT_SIMULATOR_PORT)
        api_url = api_url or f"http://127.0.0.1:{port}"
        username = username or "sandbox"
        api_key = api_key or "simulator-key"
    elif kind == "africastalking":
        if not username or not api_key:
            raise ValueError("SMS_PROVIDER=africastalking needs AT_USERNAME and AT_API_KEY")
    else:
        raise ValueError(f"Unknown SMS_PROVIDER {kind!r}; use 'simulator', 'africastalking' or 'gammu'")
    return AfricasTalkingProvider(
        username,
        api_key,
        sender_id=config.get("AT_SENDER_ID"),
        api_url=api_url,
        shortcode=config.get("SMS_SHORTCODE"),
        chunk_size=config.get("SMS_CHUNK_SIZE", DEFAULT_CHUNK_SIZE),
        timeout=config.get("SMS_TIMEOUT", DEFAULT_TIMEOUT),
        # SMS_RATE_LIMIT counts segments per second, 0 for none.
        rate_per_minute=(config.get("SMS_RATE_LIMIT") or 0) * 60 or None,
    )

