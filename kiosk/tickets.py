"""Taking a number of the lobby queue at the kiosk: the service group, priority, an optional phone for the
near-turn SMS, then the ticket to print.

Each screen is a POST that carries the earlier answers as hidden fields, so nothing is kept on the server
between screens and a citizen who walks away leaves nothing behind. The ticket itself is shown by a GET
after the POST, so the language switch and a reload show it again instead of taking a second number.
"""
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from extensions import db
from kiosk import bp
from kiosk import selfservice
from kiosk.forms import YES
from kiosk.forms import TicketForm
from office import catalog
from office import queue
from office.clock import local
from office.errors import DomainError
from office.i18n import page_language
from office.i18n import pick
from office.models import QueueGroup
from office.models import QueueTicket
from office.privacy import mask_phone

# The questions in the order the screens ask them, and the screen of each.
ASKED = ("group", "priority", "phone")
SCREENS = {"group": "kiosk/ticket_group.html", "priority": "kiosk/ticket_priority.html",
           "phone": "kiosk/ticket_phone.html"}


def offered() -> list[QueueGroup]:
    """The groups a citizen may choose: active ones that at least one counter serves."""
    served = {letter for counter in queue.counters() for letter in counter.groups}
    return [group for group in queue.groups() if group.letter in served]


def _covers(group: QueueGroup, lang: str) -> str:
    names = [pick(service.name, lang) for service in map(catalog.get_service, group.services) if service]
    return ", ".join(names)


def _screen(step: str, form: TicketForm, groups: list[QueueGroup], status: int = 200, notice: str | None = None):
    lang = page_language()
    chosen = next((g for g in groups if g.letter == form.group.data), None)
    return render_template(SCREENS[step], form=form, groups=groups, chosen=chosen, notice=notice,
                           covers={g.letter: _covers(g, lang) for g in groups}), status


def _answered(asked: tuple[str, ...]):
    """The form with the answers so far, and the screen to show again when one of them is wrong."""
    groups = offered()
    form = TicketForm([g.letter for g in groups])
    wrong = form.first_wrong(asked)
    return form, groups, wrong


def _from_the_start():
    # A screen of the middle asked for by GET (the language switch, a stale page): its answers are gone.
    return redirect(url_for("kiosk.queue_groups", lang=request.args.get("lang")))


@bp.get("/antrian")
def queue_groups():
    groups = offered()
    return _screen("group", TicketForm([g.letter for g in groups], formdata=None), groups)


def _ask(step: str):
    """The screen of `step` once the answers before it are right; else the screen of the first wrong one."""
    if request.method == "GET":
        return _from_the_start()
    form, groups, wrong = _answered(ASKED[:ASKED.index(step)])
    return _screen(wrong or step, form, groups)


@bp.route("/antrian/prioritas", methods=["GET", "POST"])
def queue_priority():
    return _ask("priority")


@bp.route("/antrian/sms", methods=["GET", "POST"])
def queue_phone():
    return _ask("phone")


@bp.route("/antrian/ambil", methods=["GET", "POST"])
def queue_take():
    if request.method == "GET":
        return _from_the_start()
    form, groups, wrong = _answered(ASKED)
    if wrong:
        return _screen(wrong, form, groups)
    try:
        outcome = selfservice.take_ticket(form.group.data, priority=form.priority.data == YES,
                                          phone=form.phone.data or None, lang=page_language())
    except DomainError:
        # The queue was too busy, or the group closed a moment ago: the citizen starts again, nothing is lost.
        db.session.rollback()
        return _screen("group", form, offered(), 503, _("Sorry, that did not work. Please try again."))
    if isinstance(outcome, selfservice.Refused):
        return render_template("kiosk/ticket_refused.html", refused=outcome), 429
    db.session.commit()
    return redirect(url_for("kiosk.queue_ticket", ticket_id=outcome.ticket.id))


@bp.get("/antrian/nomor/<int:ticket_id>")
def queue_ticket(ticket_id):
    ticket = db.session.get(QueueTicket, ticket_id)
    # Only today's tickets: yesterday's number means nothing, and old ones are nobody's business.
    if ticket is None or ticket.day != queue.office_day():
        abort(404)
    taken = local(ticket.issued_at)
    waiting = ticket.status == queue.ISSUED
    return render_template("kiosk/ticket_issued.html", ticket=ticket, date=taken.strftime("%d-%m-%Y"),
                           time=taken.strftime("%H.%M"), ahead=queue.people_ahead(ticket) if waiting else None,
                           phone=mask_phone(ticket.phone) if ticket.phone else None)
