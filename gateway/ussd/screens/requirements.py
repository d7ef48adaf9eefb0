"""Requirements: the services, then one service's requirements, time, fee and place, and its checklist by SMS."""
from gateway.ussd.engine import Context
from gateway.ussd.engine import Document
from gateway.ussd.engine import Menu
from gateway.ussd.engine import State
from gateway.ussd.screens.limited import refuse
from office import checklist
from office import outbox
from office import ratelimit
from office.i18n import N_
from office.i18n import pick
from office.i18n import t

# Checklist SMS cost the office money: a phone may ask for a few per hour.
CHECKLIST_SMS_PER_PHONE_PER_HOUR = 5
HOUR_SECONDS = 3600


class Services(Menu):
    name = "services"
    shared_layout = True

    def title(self, ctx, state):
        return t(state.lang, "Choose a service:")

    def options(self, ctx, state):
        def open_service(code):
            return lambda ctx, state: state.push("service", code=code)

        return [(pick(s.name, state.lang), open_service(s.code)) for s in ctx.services]


class ServiceDetail(Document):
    name = "service"
    shared_layout = True

    def text(self, ctx, state):
        service = ctx.service(state.frame.get("code"))
        if service is None:
            return t(state.lang, "This service is no longer offered.")
        lang = state.lang
        # Marked with "-", not numbered: the screen's actions are numbered, and "1." must mean one thing.
        items = [f"- {line}" for line in service.requirement_lines(lang)]
        return "\n".join([
            pick(service.name, lang),
            t(lang, "Requirements:"),
            *items,
            t(lang, "Time: {time}", time=pick(service.processing_time, lang)),
            t(lang, "Fee: {fee}", fee=pick(service.fee, lang)),
            t(lang, "Where: {where}", where=pick(service.where, lang)),
        ])

    def options(self, ctx, state):
        if ctx.service(state.frame.get("code")) is None:
            return []
        return [(t(state.lang, "Send by SMS"), _send_checklist)]


def _send_checklist(ctx: Context, state: State) -> None:
    verdict = ratelimit.hit("ussd_sms", ctx.phone, limit=CHECKLIST_SMS_PER_PHONE_PER_HOUR, window=HOUR_SECONDS)
    if not verdict.allowed:
        refuse(state, verdict.retry_after)
        return
    service = ctx.service(state.frame["code"])
    outbox.queue_sms(ctx.phone, checklist.checklist_sms(service, state.lang), outbox.Kind.CHECKLIST)
    state.finish(N_("The checklist will come to you by SMS shortly."))
