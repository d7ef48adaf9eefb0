"""The light public pages: the catalog, status by reference, suggestions, office hours and contacts.

Plain HTML forms and links, no script: they must work on a basic phone with JavaScript off. A form's answer
is rendered in the answer to its POST (the ticket number is shown once, never put in a redirect), and
`kiosk.language` marks every answer no-store.
"""
from flask import current_app
from flask import render_template
from flask_babel import lazy_gettext as _l

from extensions import db
from kiosk import public
from kiosk import selfservice
from kiosk.forms import FeedbackForm
from kiosk.forms import StatusForm
from office import catalog
from office import clock
from office.i18n import page_language

# The catalog's two kinds of service, in the order the page lists them.
CATEGORIES = (
    ("adminduk", _l("Population records (issued by Disdukcapil)")),
    ("kecamatan", _l("Letters from the sub-district office")),
)
# The SMS keyword that asks for a checklist, in the page's language (gateway/sms/keywords.py).
REQUIREMENTS_KEYWORD = {"id": "SYARAT", "en": "REQ"}


def _page(template: str, status: int = 200, **context):
    config = current_app.config
    html = render_template(template, lang=page_language(), office=catalog.office_info(),
                           ussd_code=config["USSD_CODE"], shortcode=config["SMS_SHORTCODE"], **context)
    return html, status


def grouped(services) -> list[tuple[str, str, list]]:
    """`services` under their category headings, in catalog order, leaving out empty categories."""
    groups = [(code, str(title), [s for s in services if s.category == code]) for code, title in CATEGORIES]
    return [group for group in groups if group[2]]


@public.get("/layanan")
def services():
    return _page("public/services.html", groups=grouped(catalog.services()))


@public.get("/layanan/<code>")
def service(code):
    found = catalog.get_service(code)
    if found is None:
        return _page("public/not_found.html", 404)
    return _page("public/service.html", service=found, keyword=REQUIREMENTS_KEYWORD[page_language()])


@public.route("/cek", methods=["GET", "POST"])
def status():
    form = StatusForm()
    lookup = None
    day = None
    if form.validate_on_submit():
        lookup = selfservice.look_up(form.reference.data, page_language(), channel=selfservice.WEB,
                                     phone_tail=form.phone_tail.data or None)
        if lookup.view:
            day = clock.local(lookup.view.changed_at).strftime("%d-%m-%Y")
        # Only the Redis counters changed; the one commit of the request still closes its transaction.
        db.session.commit()
    return _page("public/status.html", form=form, lookup=lookup, day=day)


@public.route("/saran", methods=["GET", "POST"])
def feedback():
    form = FeedbackForm()
    outcome = None
    if form.validate_on_submit():
        outcome = selfservice.leave_feedback(form.category.data, form.text.data, form.phone.data or None,
                                             channel=selfservice.WEB)
        db.session.commit()
    if isinstance(outcome, selfservice.Refused):
        return _page("public/feedback.html", form=form, refused=outcome)
    if outcome is not None:
        return _page("public/feedback_sent.html", entry=outcome)
    return _page("public/feedback.html", form=form, refused=None)


@public.get("/kontak")
def contact():
    return _page("public/contact.html", services=catalog.services())
