"""The staff console at /staff/: sign-in, counter intake, applications, spreadsheets and administration.

Every view asks the domain (office/) to do the work and commits once; nothing here writes a table
directly. `access.requires(action)` guards each view with the role table of office.roles, and every
application query goes through the signed-in user's scope, so a kelurahan account never sees another
kelurahan's records.
"""
from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff", static_folder="static")

from staff import apikeys  # noqa: E402,F401
from staff import applications  # noqa: E402,F401
from staff import audit  # noqa: E402,F401
from staff import auth  # noqa: E402,F401  (routes and hooks register on bp)
from staff import broadcast_upload  # noqa: E402,F401
from staff import broadcasts  # noqa: E402,F401
from staff import bulk  # noqa: E402,F401
from staff import catalog  # noqa: E402,F401
from staff import conversations  # noqa: E402,F401
from staff import counter  # noqa: E402,F401
from staff import formatting  # noqa: E402,F401
from staff import home  # noqa: E402,F401
from staff import inbox  # noqa: E402,F401
from staff import intake  # noqa: E402,F401
from staff import report  # noqa: E402,F401
from staff import spreadsheets  # noqa: E402,F401
from staff import users  # noqa: E402,F401
