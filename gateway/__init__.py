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

from office import telemetry

bp = Blueprint("gateway", __name__)


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
