"""The forms of the applications pages: the list's filter, one application's status change, a bulk change.

The filter is a GET form without a CSRF token (it changes nothing; a list URL is something to share).
Values are checked by office.search.Filter, the one reader of a list's query string, so the list, the
bulk "all matching" choice and the exports refuse the same things.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SearchField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.widgets import DateInput

from office import catalog
from office import lifecycle
from office.applications import MAX_NOTE
from office.i18n import pick
from office.search import MAX_QUERY


def _status_choices(statuses) -> list[SelectChoice]:
    return [SelectChoice(status, _(lifecycle.LABELS[status])) for status in statuses]


class FilterForm(FlaskForm):
    """The list's search and filters; `for_user` fills the choices (a kelurahan account has no kelurahan)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), description=_l("Reference number, applicant's name or part of it, or phone "
                                                 "number in any format"), render_kw={"maxlength": MAX_QUERY})
    status = SelectField(_l("Status"), validate_choice=False)
    service = SelectField(_l("Service"), validate_choice=False)
    kelurahan = SelectField(_l("Kelurahan"), validate_choice=False)
    overdue = BooleanField(_l("Overdue only"), description=_l("Past the service's processing time in working days"))
    created_from = StringField(_l("Submitted from"), widget=DateInput())
    created_to = StringField(_l("Submitted until"), widget=DateInput())
    sort = HiddenField()

    def for_user(self, lang: str, scoped: bool) -> "FilterForm":
        """Fill the choices in the page's language; drop the kelurahan choice for a kelurahan account."""
        every = SelectChoice("", _("All"))
        self.status.choices = [every, *_status_choices(lifecycle.STATUSES)]
        self.service.choices = [every, *(SelectChoice(s.code, pick(s.name, lang)) for s in catalog.services())]
        if scoped:
            del self.kelurahan
        else:
            self.kelurahan.choices = [every, *(SelectChoice(k.code, k.name) for k in catalog.kelurahan_list())]
        return self


class StatusForm(FlaskForm):
    """One application's status change; `expected_status` is the status the page showed."""

    new_status = RadioField(_l("New status"), validate_choice=False)
    note = TextAreaField(_l("Note for the applicant"), render_kw={"maxlength": MAX_NOTE, "rows": 3},
                         description=_l("Required when the application is rejected or documents are missing, "
                                        "and then sent in the SMS as far as it fits (see the preview); the whole "
                                        "note stays in the history."))
    expected_status = HiddenField()

    def for_status(self, status: str) -> "StatusForm":
        """Offer exactly the moves the lifecycle allows from `status`, in lifecycle order."""
        self.new_status.choices = _status_choices([s for s in lifecycle.STATUSES if lifecycle.can_move(status, s)])
        self.expected_status.data = status
        return self


class BulkForm(FlaskForm):
    """A change of many applications: the ticked references, or every one matching the filter carried along."""

    target = HiddenField(default="selected")  # "selected" or "filter"
    new_status = SelectField(_l("Move to status"), validate_choice=False)
    note = TextAreaField(_l("Note for the applicants"), render_kw={"maxlength": MAX_NOTE, "rows": 2},
                         description=_l("Required for Rejected and Documents missing, and then sent in every SMS "
                                        "as far as it fits; the whole note stays in the history."))
    fingerprint = HiddenField()

    def with_statuses(self) -> "BulkForm":
        """Every status an application can be moved to."""
        targets = [s for s in lifecycle.STATUSES if any(lifecycle.can_move(f, s) for f in lifecycle.STATUSES)]
        self.new_status.choices = [SelectChoice("", _("Choose...")), *_status_choices(targets)]
        return self
