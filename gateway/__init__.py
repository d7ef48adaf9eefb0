"""Telco webhooks: Africa's Talking calls these for USSD, incoming SMS and delivery reports.

Every callback can be locked with CALLBACK_TOKEN: the URLs configured at AT then carry ?token=<value>.
"""
import hmac

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import request

bp = Blueprint("gateway", __name__)


@bp.before_request
def require_callback_token():
    expected = current_app.config.get("CALLBACK_TOKEN")
    if expected:
        given = request.args.get("token", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            abort(403)


from gateway import sms  # noqa: E402,F401  (routes register on bp)
from gateway import ussd  # noqa: E402,F401
