"""The console's first page: today's figures at a glance (the full dashboard comes with part 2)."""
from flask import render_template
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import lifecycle
from office.models import Application
from office.roles import Action
from staff import access
from staff import bp


@bp.get("/")
@access.requires(Action.VIEW)
def index():
    query = select(Application.status, func.count()).group_by(Application.status)
    place = access.scope()
    if place is not None:
        query = query.where(Application.kelurahan_id == place)
    counts = dict(db.session.execute(query).all())
    return render_template("staff/home.html", counts=[(s, counts.get(s, 0)) for s in lifecycle.STATUSES])
