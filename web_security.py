"""What every answer tells the browser about safety, and whom to believe about the client's address.

The Content-Security-Policy allows scripts, styles, images and sounds from Lekas itself only: no inline
script or style anywhere (the pages carry data for their scripts as `<script type="application/json">`,
which is never run). Frames from other sites are refused, so no page can be dressed up inside another
site's. In production the cookies are sent over HTTPS only, and HTTPS answers ask the browser to come back
over HTTPS for a year.

Behind a reverse proxy every request comes from the proxy's address; PROXY_HOPS says how many proxies to
believe the X-Forwarded-For/-Proto/-Host headers of. With 0 (the default, Lekas reached directly) they
are ignored, because a client could write them itself to dodge the per-address limits.
"""
from flask import Flask
from flask import Response
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

import config

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "media-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers too old to read the CSP
    # Application numbers travel in some addresses (/cek?ref=...): no other site learns them.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    """Add the headers to every answer, mark cookies Secure in production, and trust PROXY_HOPS proxies."""
    if config.is_production(app.config):
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.after_request(_add_headers)


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
