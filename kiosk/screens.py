"""The kiosk's screens at /kiosk/: requirements, status, SMS announcements, the suggestion box, office info.

Each screen is a whole page, so the kiosk works even where its script does not run; kiosk.js fetches the
next screen and swaps it in, which lets it show "reconnecting" instead of a browser error when the server
restarts, and clear everything when the citizen walks away.
"""
from flask import abort
from flask import current_app
from flask import render_template
from flask import url_for
from markupsafe import Markup

from extensions import db
from kiosk import bp
from kiosk import pictures
from kiosk import selfservice
from kiosk.forms import ALL_KELURAHAN
from kiosk.forms import FeedbackForm
from kiosk.forms import StatusForm
from kiosk.forms import SubscribeForm
from office import catalog
from office.clock import local
from office.i18n import page_language

# Categories of the catalog, in the order the kiosk shows them.
GROUPS = ("adminduk", "kecamatan")


def icon(name: str) -> Markup:
    """A picture of kiosk/static/icons.svg, drawn in the text's colour and hidden from screen readers (the
    words beside it say the same)."""
    sprite = url_for("kiosk.static", filename="icons.svg")
    return Markup('<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>').format(
        sprite, name)


@bp.context_processor
def _kiosk_helpers():
    config = current_app.config
    return {"icon": icon, "picture": pictures.for_service, "office": catalog.office_info(),
            "idle_seconds": config["KIOSK_IDLE_SECONDS"],
            "countdown_seconds": config["KIOSK_COUNTDOWN_SECONDS"],
            "default_language": config["DEFAULT_LANGUAGE"], "shortcode": config["SMS_SHORTCODE"]}


@bp.get("/")
def home():
    return render_template("kiosk/home.html")


@bp.get("/ping")
def ping():
    # What the screen asks while it waits for the server to come back: no database, no Redis.
    return "", 204


@bp.get("/layanan")
def services():
    grouped = {group: [s for s in catalog.services() if s.category == group] for group in GROUPS}
    return render_template("kiosk/services.html", grouped=grouped)


@bp.get("/layanan/<code>")
def service(code):
    found = catalog.get_service(code)
    if found is None:
        abort(404)
    return render_template("kiosk/service.html", service=found)


@bp.route("/cek", methods=["GET", "POST"])
def status():
    form = StatusForm()
    if not form.validate_on_submit():
        return render_template("kiosk/status.html", form=form)
    lookup = selfservice.look_up(form.reference.data, page_language(), channel=selfservice.KIOSK,
                                 phone_tail=form.phone_tail.data or None)
    db.session.commit()
    if lookup.view is None:
        return render_template("kiosk/status.html", form=form, lookup=lookup)
    return render_template("kiosk/status_result.html", lookup=lookup, view=lookup.view,
                           day=local(lookup.view.changed_at).strftime("%d-%m-%Y"))


@bp.post("/cek/catatan")
def status_tail():
    """Ask for the last digits of the applicant's phone, to show the staff's note of an application."""
    form = StatusForm()
    form.validate()
    if form.reference.errors:
        return render_template("kiosk/status.html", form=form)
    form.phone_tail.errors = []
    return render_template("kiosk/status_tail.html", form=form)


@bp.route("/sms", methods=["GET", "POST"])
def subscribe():
    places = catalog.kelurahan_list()
    form = SubscribeForm(places)
    if not form.validate_on_submit():
        return render_template("kiosk/subscribe.html", form=form)
    code = None if form.kelurahan.data == ALL_KELURAHAN else form.kelurahan.data
    outcome = selfservice.subscribe(form.phone.data, code, page_language(), channel=selfservice.KIOSK)
    db.session.commit()
    place = next((k.name for k in places if k.code == code), None)
    refused = outcome if isinstance(outcome, selfservice.Refused) else None
    return render_template("kiosk/subscribed.html", outcome=None if refused else outcome, refused=refused,
                           place=place)


@bp.route("/saran", methods=["GET", "POST"])
def feedback():
    form = FeedbackForm()
    if not form.validate_on_submit():
        return render_template("kiosk/feedback.html", form=form)
    entry = selfservice.leave_feedback(form.category.data, form.text.data, form.phone.data or None,
                                       channel=selfservice.KIOSK)
    db.session.commit()
    refused = entry if isinstance(entry, selfservice.Refused) else None
    return render_template("kiosk/feedback_done.html", entry=None if refused else entry, refused=refused)


@bp.get("/info")
def info():
    return render_template("kiosk/info.html", services=catalog.services(),
                           ussd_code=current_app.config["USSD_CODE"])


@bp.errorhandler(404)
def _not_found(_error):
    return render_template("kiosk/not_found.html"), 404

