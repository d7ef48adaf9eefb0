"""The counter panel at /staff/counter: a clerk chooses their counter (kept in the session), calls the lobby
queue's tickets to it and moves them on, and sees the line waiting for it and the day's figures.

Every button is a plain POST form; office.queue makes the move, this module records it in the audit log and
commits once. A move the queue refuses (another counter was faster, nothing called, the counter still busy)
comes back as a message on the panel, never an error page. counter.js adds keyboard shortcuts and keeps the
waiting line fresh through `counter_line`.
"""
from functools import partial

from flask import flash
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from extensions import db
from office import audit
from office import queue
from office import queue_line
from office import queue_stats
from office.clock import utcnow
from office.errors import DomainError
from office.i18n import N_
from office.i18n import page_language
from office.i18n import pick
from office.models import QueueCounter
from office.models import QueueTicket
from office.roles import Action
from staff import access
from staff import bp
from staff.counter_forms import CancelForm
from staff.counter_forms import ChooseCounterForm
from staff.counter_forms import MoveForm
from staff.counter_forms import TransferForm

SESSION_KEY = "queue_counter"
# What the panel says when office.queue refuses a move, by the refusal's code.
REFUSALS = {
    "ticket_moved": N_("Ticket %(number)s was moved on a moment ago (now: %(status)s). The panel shows where "
                       "things stand."),
    "no_ticket": N_("No ticket is called to this counter. Call the next one first."),
    "counter_busy": N_("This counter still has a ticket. Finish it, mark it as not present or transfer it "
                       "first."),
    "same_group": N_("The ticket is already in that group."),
    "unknown_group": N_("Choose a group from the list."),
}
REFUSED = N_("That could not be done. The panel shows where things stand now.")


def _my_counter() -> QueueCounter | None:
    """The counter chosen in this session, while it is still set up."""
    code = session.get(SESSION_KEY)
    if code is None:
        return None
    try:
        return queue.get_counter(code)
    except DomainError:
        session.pop(SESSION_KEY, None)
        return None


def _back():
    return redirect(url_for("staff.counter"), code=303)


def _refused(exc: DomainError, ticket: QueueTicket | None = None):
    db.session.rollback()
    status = exc.details.get("current_status")
    flash(_(REFUSALS.get(exc.code, REFUSED), number=ticket.number if ticket else "",
            status=_(queue.LABELS[status]) if status in queue.LABELS else ""), "error")
    return _back()


def _record(action: str, ticket: QueueTicket, counter: QueueCounter, before: str | None, **detail) -> None:
    audit.record(current_user.username, action, ticket.number, before={"status": before} if before else None,
                 after={"status": ticket.status, "calls": ticket.calls}, counter=counter.code, ticket_id=ticket.id,
                 day=ticket.day.isoformat(), **detail)


def _move(action: str, do, **detail):
    """Make one move at the session's counter: `do(counter)` returns the ticket it moved (None: nobody);
    `detail` goes into the audit entry."""
    if not MoveForm().validate_on_submit():
        flash(_("This form has expired. Try again."), "error")
        return _back()
    counter = _my_counter()
    if counter is None:
        flash(_("Choose your counter first."), "error")
        return _back()
    before = queue.at_counter(counter)
    before_status = before.status if before else None
    try:
        ticket = do(counter)
    except DomainError as exc:
        return _refused(exc, before)
    if ticket is None:
        db.session.commit()  # the counter is open even when nobody waits
        flash(_("Nobody is waiting for this counter's groups."), "info")
        return _back()
    _record(action, ticket, counter, before_status or queue.ISSUED, **detail)
    db.session.commit()
    return _back()


@bp.get("/counter")
@access.requires(Action.SERVE_QUEUE)
def counter():
    mine = _my_counter()
    if mine is None:
        return render_template("staff/counter/choose.html", form=ChooseCounterForm(formdata=None),
                               counters=queue.counters(), stats=queue_stats.day_stats(queue.office_day()))
    ticket = queue.at_counter(mine)
    transfer = TransferForm(formdata=None, language=page_language(), exclude=ticket.group.letter if ticket else None)
    return render_template("staff/counter/panel.html", counter=mine, ticket=ticket, move=MoveForm(),
                           transfer=transfer, line=queue_line.calling_order(mine), cancel=CancelForm(),
                           stats=queue_stats.day_stats(queue.office_day()), now=utcnow(),
                           queue_labels=queue.LABELS, group_name=lambda group: pick(group.name, page_language()))


@bp.get("/counter/line")
@access.requires(Action.SERVE_QUEUE)
def counter_line():
    """The waiting line alone, for the panel's script to refresh."""
    mine = _my_counter()
    if mine is None:
        return "", 204
    return render_template("staff/counter/_line.html", line=queue_line.calling_order(mine), cancel=CancelForm())


@bp.post("/counter/choose")
@access.requires(Action.SERVE_QUEUE)
def counter_choose():
    form = ChooseCounterForm()
    if not form.validate_on_submit():
        return render_template("staff/counter/choose.html", form=form, counters=queue.counters(),
                               stats=queue_stats.day_stats(queue.office_day())), 400
    chosen = queue.get_counter(form.counter.data)
    previous = chosen.staff_id
    queue.open_counter(chosen, staff_id=current_user.id)
    audit.record(current_user.username, "queue.open", chosen.name, before={"staff_id": previous},
                 after={"staff_id": current_user.id}, counter=chosen.code)
    db.session.commit()
    session[SESSION_KEY] = chosen.code
    return _back()


@bp.post("/counter/close")
@access.requires(Action.SERVE_QUEUE)
def counter_close():
    mine = _my_counter()
    if mine is None or not MoveForm().validate_on_submit():
        return _back()
    try:
        queue.close_counter(mine)
    except DomainError as exc:
        return _refused(exc)
    audit.record(current_user.username, "queue.close", mine.name, counter=mine.code)
    db.session.commit()
    session.pop(SESSION_KEY, None)
    flash(_("%(counter)s is closed.", counter=mine.name), "success")
    return _back()


def _call_next(counter: QueueCounter) -> QueueTicket | None:
    return queue.call_next(counter, staff_id=current_user.id)


# The buttons that need nothing but the counter: (path, audit action, the queue's move).
SIMPLE_MOVES = (
    ("call", "queue.call", _call_next),
    ("recall", "queue.call_again", queue.call_again),
    ("start", "queue.start", queue.start),
    ("finish", "queue.finish", queue.finish),
    ("no-show", "queue.no_show", queue.no_show),
)
for _path, _action, _do in SIMPLE_MOVES:
    bp.add_url_rule(f"/counter/{_path}", f"counter_{_path.replace('-', '_')}",
                    access.requires(Action.SERVE_QUEUE)(partial(_move, _action, _do)), methods=["POST"])


@bp.post("/counter/transfer")
@access.requires(Action.SERVE_QUEUE)
def counter_transfer():
    form = TransferForm(language=page_language())
    if not form.validate_on_submit():
        flash(_("Choose the group to transfer the ticket to."), "error")
        return _back()
    return _move("queue.transfer", lambda counter: queue.transfer(counter, form.group.data),
                 to_group=form.group.data)


@bp.post("/counter/cancel")
@access.requires(Action.SERVE_QUEUE)
def counter_cancel():
    form = CancelForm()
    ticket = db.session.get(QueueTicket, int(form.ticket.data)) if form.validate_on_submit() else None
    if ticket is None:
        flash(_("That ticket is not in the line."), "error")
        return _back()
    if not queue.cancel(ticket.id):
        db.session.rollback()
        flash(_("Ticket %(number)s is no longer waiting.", number=ticket.number), "error")
        return _back()
    audit.record(current_user.username, "queue.cancel", ticket.number, before={"status": queue.ISSUED},
                 after={"status": queue.CANCELLED}, ticket_id=ticket.id, day=ticket.day.isoformat())
    db.session.commit()
    flash(_("Ticket %(number)s cancelled.", number=ticket.number), "success")
    return _back()


@bp.get("/counter/stats")
@access.requires(Action.SERVE_QUEUE)
def counter_stats():
    groups = {g.letter: g for g in queue.groups()}
    counters = {c.code: c.name for c in queue.counters()}
    return render_template("staff/counter/stats.html", stats=queue_stats.day_stats(queue.office_day()),
                           everything=lambda _key: _("All tickets"),
                           group_title=lambda letter: f"{letter} · {pick(groups[letter].name, page_language())}"
                           if letter in groups else letter,
                           counter_title=lambda code: counters.get(code, code), staff_title=str)


@bp.app_template_filter("queue_minutes")
def queue_minutes(value: float | None, unit: bool = True) -> str:
    """Minutes of the queue's figures, to a tenth, with the unit unless `unit` is False ("—" when there is
    nothing to measure yet)."""
    if value is None:
        return "—"
    figure = format_decimal(round(value, 1), format="#,##0.#")
    return _("%(minutes)s min", minutes=figure) if unit else figure
