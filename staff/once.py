"""Pages that show a secret once (a new API key, a generated password): rendered in the answer to the POST
that made it, never put in a redirect, the session or a flash message, and kept by no cache."""
from flask import make_response
from flask import render_template


def shown_once(template: str, **context):
    """`template` rendered as a response that no browser, proxy or back button may keep."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
