"""Suggestions and complaints: a category, then the citizen's own text; a ticket number comes back."""
from gateway.ussd.engine import Menu
from gateway.ussd.engine import Prompt
from gateway.ussd.screens.limited import refuse
from office import feedback
from office import ratelimit
from office.i18n import N_
from office.i18n import t

FEEDBACK_KINDS = (
    ("saran", N_("Suggestion"), N_("Type your suggestion:")),
    ("aduan", N_("Complaint"), N_("Type your complaint:")),
    ("lainnya", N_("Other"), N_("Type your message:")),
)


class Feedback(Menu):
    name = "feedback"
    shared_layout = True

    def title(self, ctx, state):
        return t(state.lang, "Suggestions and complaints:")

    def options(self, ctx, state):
        def write(category):
            return lambda ctx, state: state.push("feedback_text", cat=category)

        return [(t(state.lang, label), write(category)) for category, label, _ in FEEDBACK_KINDS]


class FeedbackText(Prompt):
    name = "feedback_text"
    takes_rest = True

    def _kind(self, state):
        return next((k for k in FEEDBACK_KINDS if k[0] == state.frame.get("cat")), FEEDBACK_KINDS[-1])

    def title(self, ctx, state):
        return t(state.lang, self._kind(state)[2])

    def submit(self, ctx, state, value):
        text = "".join(ch if ch.isprintable() else " " for ch in value)
        if not text.strip():
            state.hint = [N_("Please type your message:"), {}]
            return
        verdict = ratelimit.feedback(ctx.phone)
        if not verdict.allowed:
            refuse(state, verdict.retry_after)
            return
        entry = feedback.submit(self._kind(state)[0], text, phone=ctx.phone, channel="ussd")
        state.finish(N_("Thank you, we received it. Your ticket number is {ticket}."), ticket=entry.ticket)
