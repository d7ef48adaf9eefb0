"""AT's SMS send API: POST /version1/messaging, answered the way Africa's Talking answers."""
import json
import time
import uuid

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request

from simulator import numbers
from simulator.faults import EMPTY_RECIPIENTS
from simulator.faults import STATUS_NAMES
from simulator.faults import Faults
from simulator.segments import count_segments
from simulator.store import utc_now

bp = Blueprint("messaging", __name__)

AUTH_INVALID = "The supplied authentication is invalid"
PRICE_PER_PART = 300  # IDR; only so reports show a plausible cost
DEFAULT_SENDER = "AFRICASTKNG"


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/plain")


def _json(data: dict, content_type: str = "application/json") -> Response:
    # Exactly "application/json": the SDK compares the header verbatim and returns a str otherwise.
    return Response(json.dumps(data), status=201, content_type=content_type)


def _authorised(telco) -> bool:
    key = request.headers.get("apiKey", "")
    if not key or (telco.settings.api_key and key != telco.settings.api_key):
        return False
    return not telco.settings.username or request.form.get("username") == telco.settings.username


@bp.post("/version1/messaging")
def send():
    """Take a bulk or premium send, answer per recipient, and queue delivery reports."""
    telco = current_app.extensions["simulator"]
    store = telco.store
    store.count("requests")
    faults = store.faults
    if not _authorised(telco) or faults.quirk == "auth_401":
        store.count("requests_unauthorised")
        return _text(AUTH_INVALID, 401)
    epoch = store.epoch
    decided = store.take_request_faults()
    if decided.hang_s:
        time.sleep(decided.hang_s)
    if decided.slow_s:
        time.sleep(decided.slow_s)
    if store.epoch != epoch:
        # A reset happened while this request hung: keep its messages out of the fresh state.
        return _text("Service Unavailable", 503)
    if decided.http_500:
        store.count("requests_500")
        return _text("Internal Server Error", 500)

    form = request.form
    missing = [name for name in ("username", "to", "message") if name not in form]
    if missing:
        return _text(f"Missing required parameter(s): {', '.join(missing)}", 400)
    recipients = [part.strip() for part in form["to"].split(",") if part.strip()]
    if not recipients:
        return _text("Missing recipients in 'to'", 400)

    if faults.quirk == "html_body":
        return Response("<html><body><h1>502 Bad Gateway</h1></body></html>", status=200,
                        content_type="text/html")
    if faults.quirk and faults.quirk.startswith(EMPTY_RECIPIENTS):
        reason = faults.quirk[len(EMPTY_RECIPIENTS):]
        return _json({"SMSMessageData": {"Message": reason, "Recipients": []}})

    answer, carried = _carry(faults, form, recipients)
    store.add_messages(carried)
    store.count("messages", len(carried))
    store.count("recipients_failed", len(recipients) - len(carried))
    _schedule_reports(telco, faults, carried)
    if faults.quirk == "missing_recipient":
        answer["SMSMessageData"]["Recipients"].pop()
    content_type = "application/json; charset=utf-8" if faults.quirk == "text_content_type" else "application/json"
    return _json(answer, content_type)


def _carry(faults: Faults, form, recipients: list[str]) -> tuple[dict, list[dict]]:
    """Decide each recipient's fate; return AT's answer and the messages accepted."""
    text = form["message"]
    parts = count_segments(text)
    cost = f"IDR {PRICE_PER_PART * parts:.4f}"
    sender = form.get("from") or DEFAULT_SENDER
    link_id = form.get("linkId") or None
    keyword = form.get("keyword") or None
    at = utc_now()
    hide_ids = faults.quirk == "message_id_none"
    answers, carried = [], []
    for number in recipients:
        code = 403 if not numbers.is_valid(number) else faults.recipient_failure(number)
        if code is not None:
            answers.append({"statusCode": code, "number": number, "status": STATUS_NAMES[code],
                            "cost": "0", "messageId": "None"})
            continue
        message_id = f"ATXid_{uuid.uuid4().hex}"
        answers.append({"statusCode": 101, "number": number, "status": "Success", "cost": cost,
                        "messageId": "None" if hide_ids else message_id, "messageParts": parts})
        delivered = not Faults.chance(faults.dlr_fail)
        carried.append({
            "phone": number, "text": text, "messageId": message_id, "from": sender, "linkId": link_id,
            "keyword": keyword, "segments": parts, "at": at, "status": "Success" if delivered else "Failed",
        })
    total = PRICE_PER_PART * parts * len(carried)
    summary = f"Sent to {len(carried)}/{len(recipients)} Total Cost: " + (f"IDR {total:.4f}" if total else "0")
    return {"SMSMessageData": {"Message": summary, "Recipients": answers}}, carried


def _schedule_reports(telco, faults: Faults, carried: list[dict]):
    if faults.quirk == "message_id_none":
        return  # Lekas has no id to match a report against
    for message in carried:
        if Faults.chance(faults.dlr_drop):
            telco.store.count("dlr_dropped")
            continue
        report = {"id": message["messageId"], "status": message["status"], "phoneNumber": message["phone"],
                  "networkCode": numbers.network_code(message["phone"])}
        if message["status"] == "Failed":
            report["failureReason"] = faults.dlr_fail_reason
        if message["linkId"]:
            report["retryCount"] = "0"
        copies = 2 if Faults.chance(faults.dlr_duplicate) else 1
        telco.callbacks.report_later(report, copies)
