"""Check status: the citizen types an application's reference and reads its status."""
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import current_app

from gateway.ussd.engine import Document
from gateway.ussd.engine import Prompt
from gateway.ussd.screens.limited import refuse
from office import applications
from office import ratelimit
from office import references
from office.errors import NotFound
from office.i18n import N_
from office.i18n import t


class StatusAsk(Prompt):
    name = "status_ask"

    def title(self, ctx, state):
        return t(state.lang, "Type your application number (10 digits):")

    def submit(self, ctx, state, value):
        attempt = ratelimit.status_attempt(ctx.phone)
        if not attempt.allowed:
            refuse(state, attempt.retry_after)
            return
        problem = references.classify(value)
        if problem == "format":
            state.hint = [N_("A number has 10 digits. Type it again:"), {}]
            return
        if problem == "check_digit":
            state.hint = [N_("That number has a typo. Type it again:"), {}]
            return
        verdict = ratelimit.status_lookup(ctx.phone)
        if not verdict.allowed:
            refuse(state, verdict.retry_after)
            return
        try:
            application = applications.get_by_reference(value)
        except NotFound:
            state.hint = [N_("No application has that number. Type it again:"), {}]
            return
        state.push("status", ref=application.reference)


class Status(Document):
    name = "status"
    last_is_end = True

    def text(self, ctx, state):
        lang = state.lang
        try:
            application = applications.get_by_reference(state.frame.get("ref"))
        except NotFound:
            return t(lang, "No application has that number.")
        view = applications.status_view(application, lang, ctx.phone)
        zone = ZoneInfo(current_app.config["OFFICE_TZ"])
        day = view.changed_at.replace(tzinfo=UTC).astimezone(zone).strftime("%d-%m-%Y")
        lines = [
            view.service,
            t(lang, "Name: {name}", name=view.masked_name),
            t(lang, "Status: {label}, {date}", label=view.label, date=day),
            view.next_step,
        ]
        if view.note:
            lines.append(t(lang, "Note:") + " " + view.note)
        return "\n".join(lines)
