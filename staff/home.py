"""The console's first page: the applications in each status, each a link to its list."""
from flask import render_template

from office import search
from office.roles import Action
from staff import access
from staff import bp


@bp.get("/")
@access.requires(Action.VIEW)
def index():
    return render_template("staff/home.html", counts=search.count_by_status(access.scope()).items())
