"""Telco webhooks: Africa's Talking calls these for USSD, incoming SMS and delivery reports.

Every callback can be locked with CALLBACK_TOKEN: the URLs configured at AT then carry ?token=<value>.
"""
import hmac

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import request
from werkzeug.datastructures import ImmutableMultiDict

from extensions import limiter
from office import telemetry

bp = Blueprint("gateway", __name__)
# Africa's Talking calls from a few addresses, for every citizen at once: the limit per address is a safety
# valve against a flood from elsewhere, far above what the office's own traffic reaches. Requests with a
# wrong token are limited hard, so the token cannot be guessed.
BAD_TOKEN_LIMIT = "20 per minute"
limiter.limit(lambda: current_app.config["WEBHOOK_RATE_LIMIT"])(bp)
limiter.limit(BAD_TOKEN_LIMIT, deduct_when=lambda response: response.status_code == 403)(bp)


@bp.before_request
def require_callback_token():
    expected = current_app.config.get("CALLBACK_TOKEN")
    if expected:
        given = request.args.get("token", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            abort(403)


@bp.before_request
def drop_nul_characters():
    # No telco field needs a NUL, and PostgreSQL cannot store one in text; drop them before anyone reads.
    form = request.form
    if any("\x00" in key or "\x00" in value for key, value in form.items(multi=True)):
        request.form = ImmutableMultiDict(
            [(key.replace("\x00", ""), value.replace("\x00", "")) for key, value in form.items(multi=True)])


@bp.after_request
def count_refusals(response: Response) -> Response:
    # A telco that keeps getting errors from a webhook drops sessions or resends: worth a graph and an alert.
    if response.status_code >= 400:
        telemetry.WEBHOOK_REFUSALS.labels(request.endpoint or "unknown", str(response.status_code)).inc()
    return response


def plain(body: str = "", status: int = 200) -> Response:
    """A text/plain answer: AT reads only the status and, for USSD, the body."""
    return Response(body, status=status, mimetype="text/plain")


from gateway.sms import webhooks  # noqa: E402,F401  (routes register on bp)
from gateway.ussd import routes  # noqa: E402,F401
