"""The console's first page: today's and a month's figures, within the user's scope."""
from flask import render_template
from flask import request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from office import catalog
from office import dashboard
from office import lifecycle
from office.dashboard import Period
from office.roles import Action
from office.roles import Role
from staff import access
from staff import bp
from staff.dashboard_forms import MonthForm


@bp.app_template_filter("figure")
def figure(value) -> str:
    """A count or amount with the page language's separators; a dash for no figure."""
    return "-" if value is None else format_decimal(value, format="#,##0.#")


@bp.app_template_filter("minutes")
def minutes(value: float | None) -> str:
    """Minutes to one decimal; a dash when nothing was measured."""
    return figure(None if value is None else round(value, 1))


def status_bars(by_status: dict[str, int]) -> list[tuple[str, int, str]]:
    """The bar chart's rows: the status's label, its count and the class that gives its colour."""
    return [(_(lifecycle.LABELS[status]), count, f"status-{status.lower()}") for status, count in by_status.items()]


def chosen_month() -> tuple[MonthForm, Period]:
    """The month the page asks for (?month=YYYY-MM), else this month; a bad value keeps this month and
    leaves its error on the form."""
    today = dashboard.today()
    form = MonthForm(request.args)
    if request.args.get("month") is not None and form.validate():
        return form, form.period
    if not form.month.errors:
        form.month.data = f"{today:%Y-%m}"
    return form, Period.month(today.year, today.month)


def render_figures(template: str, **context) -> str:
    """`template` with what the figures partial needs beside `context`."""
    return render_template(template, services={s.code: s for s in catalog.services()}, status_bars=status_bars,
                           **context)


@bp.get("/")
@access.requires(Action.VIEW)
def index():
    form, month = chosen_month()
    scope = access.scope()
    # The modem is the administrator's to look after; nobody else can do anything about it.
    modems = dashboard.modem_panel() if current_user.role == Role.ADMIN else None
    return render_figures("staff/home.html", form=form, today=dashboard.figures(Period.day(dashboard.today()), scope),
                          month=dashboard.figures(month, scope), modems=modems)
