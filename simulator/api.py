"""The simulator's own JSON API, used by its phone page, by tests and by scripts."""
import uuid

import requests
from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from simulator import numbers
from simulator.faults import FaultError
from simulator.faults import Faults
from simulator.store import utc_now

bp = Blueprint("api", __name__, url_prefix="/api")


class BadRequest(ValueError):
    """The caller sent something the API cannot use; answered 400 with the message."""


@bp.errorhandler(BadRequest)
@bp.errorhandler(FaultError)
def _bad_request(exc):
    return jsonify(error=str(exc)), 400


def _telco():
    return current_app.extensions["simulator"]


def _body() -> dict:
    data = request.get_json(silent=True)
    if data is None and not request.get_data():
        return {}
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object.")
    return data


def _phone(raw) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequest("phone is required.")
    phone = numbers.normalize(raw)
    if not numbers.is_valid(phone):
        raise BadRequest(f"{raw!r} is not a phone number.")
    return phone


def _optional_text(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{key} must be text.")
    return value


@bp.get("/config")
def config():
    """The codes a phone dials and texts, and where Lekas is."""
    settings = _telco().settings
    return jsonify(ussd_code=settings.ussd_code, shortcode=settings.shortcode, app_url=settings.app_url)


@bp.get("/messages")
def messages():
    """What a phone received (?phone=, any Indonesian form), or every message carried."""
    raw = request.args.get("phone")
    return jsonify(_telco().store.messages(_phone(raw) if raw is not None else None))


@bp.post("/ussd")
def ussd():
    """Drive one USSD step through Lekas: {phone, input?, session_id?, text?}; no input dials."""
    data = _body()
    phone = _phone(data.get("phone"))
    user_input = _optional_text(data, "input")
    return jsonify(_telco().ussd.step(phone, user_input, _optional_text(data, "session_id") or None,
                                      _optional_text(data, "text")))


@bp.post("/ussd/end")
def ussd_end():
    """The user hangs up: close the phone's open session and notify Lekas (status Incomplete)."""
    phone = _phone(_body().get("phone"))
    session = _telco().ussd.hang_up(phone)
    if session is None:
        return jsonify(error="This phone has no open USSD session."), 409
    return jsonify(ended=True, session_id=session.id)


@bp.get("/sms")
def sent_sms():
    """Texts a phone (?phone=) sent to the short code."""
    return jsonify(_telco().store.sent(_phone(request.args.get("phone"))))


@bp.post("/sms")
def send_sms():
    """A citizen texts the short code: {phone, text}; Lekas gets AT's incoming-message form."""
    telco = _telco()
    data = _body()
    phone = _phone(data.get("phone"))
    text = _optional_text(data, "text")
    if not text:
        raise BadRequest("text is required.")
    if len(text) > 1600:
        raise BadRequest("text is longer than a phone can send (1600 characters).")
    form = {
        "from": phone,
        "to": telco.settings.shortcode,
        "text": text,
        "date": utc_now(),
        "id": str(uuid.uuid4()),
        "linkId": str(uuid.uuid4()),
        "networkCode": numbers.network_code(phone),
    }
    copies = 2 if Faults.chance(telco.store.faults.incoming_duplicate) else 1
    status_code = error = None
    for _ in range(copies):
        try:
            status_code = telco.callbacks.post("/sms/incoming", form).status_code
        except requests.RequestException as exc:
            error = f"Lekas unreachable: {type(exc).__name__}"
    telco.store.count("incoming_sms")
    result = {"phone": phone, "to": form["to"], "text": text, "id": form["id"], "linkId": form["linkId"],
              "at": form["date"], "status_code": status_code, "copies": copies}
    if error:
        result["error"] = error
    telco.store.add_sent(result)
    return jsonify(result)


@bp.get("/faults")
def get_faults():
    """The fault switches now in force."""
    return jsonify(_telco().store.faults.to_dict())


@bp.post("/faults")
def set_faults():
    """Change some fault switches (JSON object of the ones to change); returns them all."""
    return jsonify(_telco().store.set_faults(_body()).to_dict())


@bp.post("/reset")
def reset():
    """Switch faults off and forget every message, session, counter and pending callback."""
    telco = _telco()
    telco.callbacks.cancel_pending()
    telco.ussd.reset()
    telco.store.reset()
    return jsonify(reset=True)


@bp.get("/stats")
def stats():
    """Counters: send requests, messages carried, delivery reports sent and failed, and more."""
    counters = {"requests": 0, "messages": 0, "recipients_failed": 0, "dlr_sent": 0, "dlr_failed": 0,
                "dlr_dropped": 0, "events_sent": 0, "events_failed": 0, "ussd_requests": 0, "incoming_sms": 0}
    counters.update(_telco().store.stats())
    return jsonify(counters)
