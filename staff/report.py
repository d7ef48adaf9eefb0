"""The monthly report for the camat: one month's figures on a page made for A4 paper."""
from office import dashboard
from office.roles import Action
from staff import access
from staff import bp
from staff.home import chosen_month
from staff.home import render_figures


@bp.get("/report")
@access.requires(Action.VIEW)
def report():
    form, month = chosen_month()
    return render_figures("staff/dashboard/report.html", form=form, month=dashboard.figures(month, access.scope()),
                          printed_on=dashboard.today())
