"""Browsing the audit log: filter by who, action, record and office days; newest first, a page at a time."""
from flask import render_template
from flask import request

from office import audit
from office.roles import Action
from staff import access
from staff import bp
from staff.admin_forms import AuditFilterForm


@bp.get("/audit", endpoint="audit")
@access.requires(Action.VIEW_AUDIT)
def audit_log():
    form = AuditFilterForm(request.args)
    number = request.args.get("page", "1")
    number = int(number) if number.isdigit() and len(number) < 7 else 1
    entries, total = [], 0
    if form.validate():
        entries, total = audit.entries(actor=form.actor.data, action=form.action.data, target=form.target.data,
                                       since=form.since.day, until=form.until.day, number=number)
    filters = {name: value for name, value in request.args.items() if name != "page" and name in form and value}
    return render_template("staff/admin/audit.html", form=form, entries=entries, total=total, number=number,
                           pages=max(1, -(-total // audit.PER_PAGE)), filters=filters, actions=audit.actions(),
                           changes=audit.changes), 400 if form.errors else 200
