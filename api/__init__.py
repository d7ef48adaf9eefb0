"""The JSON API (/api/v1) for kelurahan offices, partner agencies and the staff console.

Every request carries `Authorization: Bearer <key>`, except the OpenAPI document, and the key must hold the
scope its route names with `needs`. Every error is `{"error": {"code", "message"}}` with a 4xx status.
"""
from flask import Blueprint
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from extensions import db
from extensions import limiter
from office import apikeys
from office.errors import DomainError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC_ENDPOINTS = {"api.openapi"}
# Far beyond any real listing, and small enough that the row offset fits every database's integers.
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 100


def iso(moment) -> str | None:
    """A stored naive-UTC time as ISO 8601 with a Z, or None."""
    return moment.isoformat() + "Z" if moment else None


def error(status: int, code: str, message: str, **details):
    """A JSON error response; `details` add machine-readable fields beside code and message."""
    return jsonify(error={"code": code, "message": message, **details}), status


UNMARKED = "unmarked"


def needs(scope: apikeys.Scope | None):
    """Mark a route as needing `scope` of its key; None: any valid key (the public catalog).

    A route without the mark answers no one, so a new route cannot slip through unscoped.
    """
    def mark(view):
        view.required_scope = scope
        return view

    return mark


def _presented_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _limit_key() -> str:
    # Per key where one is named (an agency's offices may share a key and an address), else per address.
    prefix = apikeys.prefix_of(_presented_token() or "")
    return f"key:{prefix}" if prefix else f"addr:{request.remote_addr}"


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_limit_key)(bp)


@bp.before_request
def require_api_key():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = _presented_token()
    key = apikeys.verify(token) if token is not None else None
    if key is None:
        return error(401, "unauthorized", "A valid API key is required: Authorization: Bearer <key>.")
    g.api_key = key
    g.actor = f"api:{key.name}"
    # A view without `needs` is a mistake (the scope table's test catches it); until it is marked no key may use
    # it. (An unknown path or method never gets here: it matched no route of this blueprint.)
    scope = getattr(current_app.view_functions[request.endpoint], "required_scope", UNMARKED)
    allowed = scope is None or (scope is not UNMARKED and apikeys.may(key, scope))
    # Counted even when refused: the key was presented and checked.
    db.session.commit()
    if not allowed:
        needed = str(scope)
        return error(403, "insufficient_scope", f"This API key lacks the scope {needed!r} this request needs.",
                     scope=needed)
    return None


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db.session.rollback()
    return error(exc.http_status, exc.code, exc.message, **exc.details)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    # Registered app-wide because 404 and 405 are raised before a blueprint is chosen.
    if not request.path.startswith(bp.url_prefix + "/"):
        return exc
    code = (exc.name or "error").lower().replace(" ", "_")
    body, status = error(exc.code or 400, code, exc.description or exc.name)
    # Keep what the exception says beyond its HTML body, such as a 405's Allow (RFC 9110 requires it).
    body.headers.extend((name, value) for name, value in exc.get_headers() if name.lower() != "content-type")
    if isinstance(exc, RateLimitExceeded):
        # At the latest the window's length from now; a client that waits that long is counted afresh.
        body.headers["Retry-After"] = str(exc.limit.limit.get_expiry())
    return body, status


def json_body() -> dict:
    """The request's JSON object, or a 400 DomainError when the body is not a JSON object."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        # A deeply nested body is not a request anyone meant to send.
        data = None
    if not isinstance(data, dict):
        raise DomainError("The body must be a JSON object.", code="malformed_json")
    if not _encodable(data):
        # JSON may spell a lone UTF-16 surrogate ("\ud800"); no database can store it, so say so here.
        raise DomainError("Text in the body is not valid Unicode (a lone surrogate).", code="invalid_text")
    return data


def _encodable(data) -> bool:
    """True when every string in the parsed JSON `data`, keys included, can be written as UTF-8."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def check_lengths(body: dict, limits: dict[str, int], code: str = "field_too_long") -> None:
    """Refuse a text field of `body` that is longer, as sent, than its limit in `limits` (its maxLength).

    The domain measures a text after tidying its spaces; measuring what was sent keeps the documented limit exact.

    :raise DomainError: with `code`.
    """
    for name, limit in limits.items():
        value = body.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise DomainError(f"{name} is longer than {limit} characters.", code=code)


def page_args() -> tuple[int, int]:
    """Page number and size from ?page=&per_page= (size at most MAX_PER_PAGE)."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 50))
    except ValueError as exc:
        raise DomainError("page and per_page must be whole numbers.", code="invalid_page") from exc
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        raise DomainError(f"page is 1 to {MAX_PAGE}; per_page is 1 to {MAX_PER_PAGE}.", code="invalid_page")
    return page, per_page


from api import applications  # noqa: E402,F401  (routes register on bp)
from api import broadcasts  # noqa: E402,F401
from api import messages  # noqa: E402,F401
from api import openapi  # noqa: E402,F401
from api import services  # noqa: E402,F401
