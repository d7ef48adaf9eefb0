"""Counter intake: register a walk-in's application and print its receipt at once (and reprint it later)."""
from flask import Response
from flask import current_app
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import OperationalError

from extensions import db
from office import applications
from office import catalog
from office import citizens
from office import search
from office.errors import DomainError
from office.i18n import page_language
from office.i18n import pick
from office.roles import Action
from staff import access
from staff import bp
from staff import receipts
from staff.intake_forms import MOBILE_ONLY
from staff.intake_forms import IntakeForm

PAPER_COOKIE = "receipt_paper"
# A requirement's position is a small number; anything longer in the form is not one of our checkboxes.
MAX_POSITION_DIGITS = 3
# Domain refusals the form's own checks could not foresee, shown beside the field they concern.
_FIELD_OF = {"unknown_service": "service", "unknown_kelurahan": "kelurahan", "invalid_phone": "phone"}


def checklist_name(code: str) -> str:
    """The name of a service's missing-requirement checkboxes: each service's list has its own."""
    return f"missing-{code}"


def _ticked(code: str | None) -> list[int]:
    """Positions of the requirements ticked missing in the list of the chosen service (others are ignored:
    without JS every service's list is in the page)."""
    if not code:
        return []
    values = request.form.getlist(checklist_name(code))
    return sorted({int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= MAX_POSITION_DIGITS})


@bp.route("/intake", methods=["GET", "POST"])
@access.requires(Action.INTAKE)
def intake():
    lang = page_language()
    services = catalog.services()
    own = current_user.kelurahan if access.scope() is not None else None
    form = IntakeForm()
    form.offer(services, catalog.kelurahan_list(), lang, own)
    missing = _ticked(form.service.data)
    unavailable = False
    if form.validate_on_submit():
        repeat = search.just_registered(form.service.data, form.applicant_name.data, form.phone.data,
                                        actor=current_user.username)
        if repeat is not None:
            flash(_("This application was saved a moment ago; here is its receipt."), "info")
            return redirect(url_for("staff.receipt", reference=repeat.reference))
        try:
            application = applications.create_application(
                form.service.data, form.applicant_name.data, form.phone.data, form.kelurahan.data,
                form.note.data, actor=current_user.username, missing_requirements=missing)
        except DomainError as refused:
            db.session.rollback()
            _show_refusal(form, refused)
        else:
            try:
                db.session.commit()
            except OperationalError:
                # The database is stopped or its disk is full: nothing was stored; the clerk keeps the form.
                db.session.rollback()
                form.form_errors.append(_("The database is not answering, so the application was not saved. "
                                          "Try again in a minute; what you typed is kept."))
                unavailable = True
            else:
                return redirect(url_for("staff.receipt", reference=application.reference))
    refused = form.is_submitted() and bool(form.errors or form.form_errors)
    status = 503 if unavailable else 400 if refused else 200
    return render_template("staff/intake/form.html", form=form, services=services, lang=lang, missing=missing,
                           checklist_name=checklist_name), status


@bp.get("/intake/checklists.css")
@access.requires(Action.INTAKE)
def intake_checklists_css():
    """The stylesheet that shows the chosen service's checklist; it follows the catalog, so it is built here."""
    css = render_template("staff/intake/checklists.css", services=catalog.services())
    return Response(css, mimetype="text/css")


def _show_refusal(form: IntakeForm, refused: DomainError) -> None:
    field = _FIELD_OF.get(refused.code)
    if field == "phone":
        form.phone.errors.append(MOBILE_ONLY)
    elif field is not None:
        getattr(form, field).errors.append(_("Choose from the list."))
    else:
        form.form_errors.append(_("The application could not be saved. Check the fields and try again."))


def _paper() -> str:
    chosen = request.args.get("paper") or request.cookies.get(PAPER_COOKIE)
    return chosen if chosen in receipts.PAPERS else receipts.PAPERS[0]


@bp.get("/applications/<reference>/receipt")
@access.requires(Action.VIEW)
def receipt(reference):
    application = access.application_or_404(reference)
    config = current_app.config
    # The paper is for the citizen: in the language their SMS come in, whatever the clerk's console speaks.
    lang = citizens.language_of(application.phone)
    paper = _paper()
    slip = receipts.build(application, lang, ussd_code=config["USSD_CODE"], shortcode=config["SMS_SHORTCODE"])
    with force_locale(lang):
        office = catalog.office_info()
        paper_html = Markup(render_template("staff/intake/receipt_paper.html", receipt=slip, lang=lang,
                                     office=pick(office["name"], lang), hours=pick(office["hours"], lang)))
    response = make_response(render_template("staff/intake/receipt.html", receipt=slip, paper=paper,
                                             paper_html=paper_html, papers=receipts.PAPERS))
    if request.args.get("paper") == paper:
        response.set_cookie(PAPER_COOKIE, paper, max_age=365 * 24 * 3600, path=bp.url_prefix, samesite="Lax",
                            httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
