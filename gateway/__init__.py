"""Telco webhooks: Africa's Talking calls these for USSD, incoming SMS and delivery reports.

Every callback can be locked with CALLBACK_TOKEN: the URLs configured at AT then carry ?token=<value>.
"""
import hmac

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import request
from limits import parse
from redis.exceptions import RedisError
from werkzeug.datastructures import ImmutableMultiDict

from extensions import limiter
from office import telemetry

bp = Blueprint("gateway", __name__)
# Africa's Talking calls from a few addresses, for every citizen at once: the limit per address, shared by the
# webhooks that carry it, is a safety valve against a flood from elsewhere, far above what the office's own
# traffic reaches. The USSD hop is left out: a hop costs two Redis round trips by design
# (tests/gateway/ussd/test_hop_io.py), and AT is its only caller.
per_address = limiter.shared_limit(lambda: current_app.config["WEBHOOK_RATE_LIMIT"], scope="webhooks")
# Wrong tokens from one address are limited hard, so the token cannot be guessed; counted only when wrong, so
# the telco's own requests cost nothing for it.
BAD_TOKEN_LIMIT = "20 per minute"
_BAD_TOKEN = parse(BAD_TOKEN_LIMIT)


@bp.before_request
def require_callback_token():
    expected = current_app.config.get("CALLBACK_TOKEN")
    if expected:
        given = request.args.get("token", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            abort(429 if _too_many_wrong_tokens() else 403)


def _too_many_wrong_tokens() -> bool:
    try:
        return not limiter.limiter.hit(_BAD_TOKEN, "webhook-bad-token", request.remote_addr or "unknown")
    except RedisError:
        return False  # without Redis the 403 still holds; only the counting is skipped


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
