"""The USSD menu as a state machine: a stack of screens that takes the citizen's inputs one at a time.

AT sends every input of the session on every hop (`text` = "1*2*3"), so a conversation is a function of
its inputs: `advance` feeds them to the state one by one and `render` draws the screen on top of the stack.
Redis only saves replaying the inputs already seen (gateway.ussd.session_cache); a session whose state is lost,
or a gateway that dials straight into a sub-menu (fast-dial, text "2*1234567890"), replays from the start.

Anywhere: "0" goes back one screen (or one page), "00" to the main menu, "98" to the next page. An input
that means nothing on a screen shows that screen again with a one-line hint instead of ending the session.
Side effects (SMS, feedback, subscription) only happen on the input that ends the session, so replaying
the inputs before it never repeats them; the two that keep it open are harmless to repeat: choosing a
language, and counting a status request against the phone's limits. A retried final hop (the same text
again) gets the reply saved in Redis without acting again; when Redis is down, or lost the saved hop, the
retry is replayed in full and its side effect happens twice: a second feedback ticket, a second
checklist SMS. That gap is known and left open.

Caveat: AT joins inputs with "*" and cannot tell a "*" the citizen typed from its separator. The one
free-text screen (feedback) therefore takes every remaining input, joined again with "*", so the text
arrives as typed; a "*" typed in a reference or a menu choice just reads as more inputs.
"""
import json
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import current_app

from extensions import db
from gateway.ussd import snapshot
from gateway.ussd.text import BODY_LIMIT
from gateway.ussd.text import clean
from gateway.ussd.text import page_options
from gateway.ussd.text import page_text
from gateway.ussd.text import width
from office import applications
from office import catalog
from office import checklist
from office import citizens
from office import feedback
from office import outbox
from office import ratelimit
from office import references
from office.errors import NotFound
from office.i18n import N_
from office.i18n import pick
from office.i18n import t
from office.models import Kelurahan
from office.models import Service

BACK, HOME, MORE = "0", "00", "98"
# A real session lasts at most 180 s, a few dozen inputs; more is a replayed or forged text.
MAX_STEPS = 100
# Checklist SMS cost the office money: a phone may ask for a few per hour.
SMS_LIMIT, SMS_WINDOW = 5, 3600

INVALID = N_("Invalid choice.")
LANGUAGE_SET = N_("Language changed.")
TOO_MANY = N_("Too many tries. Please try again in {minutes} min.")
TOO_LONG = N_("This session is too long. Please dial again.")


@dataclass
class State:
    """Where a session is: its language, the screen stack, a hint for the next screen, or its end."""

    lang: str
    stack: list[dict] = field(default_factory=lambda: [{"s": "main", "p": 0}])
    hint: list | None = None  # [msgid, values] shown once on top of the current screen
    end: list | None = None  # [msgid, values] of the closing screen; the session is over

    @property
    def frame(self) -> dict:
        return self.stack[-1]

    def push(self, screen: str, **params) -> None:
        self.stack.append({"s": screen, "p": 0, **params})

    def finish(self, msgid: str, **values) -> None:
        self.end = [msgid, values]

    def to_json(self) -> dict:
        return {"lang": self.lang, "stack": self.stack, "hint": self.hint, "end": self.end}

    @classmethod
    def from_json(cls, data: dict) -> "State":
        """Rebuild a saved state; raise ValueError when it is not one this code wrote."""
        try:
            state = cls(lang=data["lang"], stack=list(data["stack"]), hint=data["hint"], end=data["end"])
            ok = (state.lang in ("id", "en") and state.stack
                  and all(isinstance(f, dict) and f.get("s") in SCREENS and isinstance(f.get("p"), int)
                          for f in state.stack)
                  and all(m is None or (isinstance(m[0], str) and isinstance(m[1], dict))
                          for m in (state.hint, state.end)))
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError("not a USSD state") from exc
        if not ok:
            raise ValueError("not a USSD state")
        return state


class Context:
    """What one request knows: the caller's phone, the catalog, and the screen layouts worked out so far."""

    def __init__(self, phone: str):
        self.phone = phone
        self.services, self.places = snapshot.current()
        self._layouts: dict = {}

    def layout(self, screen, state: "State", build):
        """`build(ctx, state)` once per request for what a screen's layout depends on (not its page)."""
        params = json.dumps({k: v for k, v in state.frame.items() if k != "p"}, sort_keys=True)
        key = (screen.name, state.lang, len(state.stack), params)
        if key not in self._layouts:
            self._layouts[key] = build(self, state)
        return self._layouts[key]

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)


@dataclass(frozen=True)
class Reply:
    end: bool
    text: str

    @property
    def body(self) -> str:
        return ("END " if self.end else "CON ") + self.text


Action = Callable[[Context, State], None]


def _nav(state: State, more: bool) -> str:
    parts = [t(state.lang, "98 More")] if more else []
    if len(state.stack) > 1:
        parts.append(t(state.lang, "0 Back"))
    if len(state.stack) > 2:
        parts.append(t(state.lang, "00 Menu"))
    return ", ".join(parts)


def _hint_text(state: State) -> str | None:
    return clean(t(state.lang, state.hint[0], **state.hint[1])) if state.hint else None


def _lines(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


class Menu:
    """A screen of numbered choices, paged when they do not fit; a hint replaces the title line."""

    name = ""
    hints: tuple[str, ...] = (INVALID,)
    takes_rest = False

    def title(self, ctx: Context, state: State) -> str:
        raise NotImplementedError

    def options(self, ctx: Context, state: State) -> list[tuple[str, Action]]:
        raise NotImplementedError

    def _layout(self, ctx, state):
        return ctx.layout(self, state, self._build)

    def _build(self, ctx, state):
        title = clean(self.title(ctx, state))
        options = self.options(ctx, state)
        header = max(width(title), *(width(clean(t(state.lang, h))) for h in self.hints))
        nav = width(_nav(state, more=True))
        room = BODY_LIMIT - header - 1 - (nav + 1 if nav else 0)
        return title, options, page_options([clean(label) for label, _ in options], room)

    def pages(self, ctx, state) -> int:
        return len(self._layout(ctx, state)[2])

    def render(self, ctx, state) -> Reply:
        title, _, pages = self._layout(ctx, state)
        page = min(state.frame["p"], len(pages) - 1)
        lines = [line for _, line in pages[page]]
        return Reply(False, _lines(_hint_text(state) or title, *lines, _nav(state, page + 1 < len(pages))))

    def handle(self, ctx, state, value: str) -> None:
        _, options, pages = self._layout(ctx, state)
        page = pages[min(state.frame["p"], len(pages) - 1)]
        if value.isascii() and value.isdigit() and 1 <= int(value) <= len(page):
            options[page[int(value) - 1][0]][1](ctx, state)
        else:
            state.hint = [INVALID, {}]


class Document(Menu):
    """Text paged at word boundaries, with optional numbered actions under every page.

    With `last_is_end` the last page closes the session: the citizen has their answer.
    """

    last_is_end = False

    def text(self, ctx: Context, state: State) -> str:
        raise NotImplementedError

    def options(self, ctx, state):
        return []

    def _build(self, ctx, state):
        text = clean(self.text(ctx, state))
        options = self.options(ctx, state)
        lines = [f"{n}. {clean(label)}" for n, (label, _) in enumerate(options, start=1)]
        if self.last_is_end and width(text) <= BODY_LIMIT:
            return text, options, [text], lines
        hint = max(width(clean(t(state.lang, h))) for h in self.hints)
        room = BODY_LIMIT - (hint + 1) - sum(width(line) + 1 for line in lines) - (width(_nav(state, True)) + 1)
        return text, options, page_text(text, room), lines

    def render(self, ctx, state) -> Reply:
        _, _, pages, lines = self._layout(ctx, state)
        page = min(state.frame["p"], len(pages) - 1)
        if self.last_is_end and page == len(pages) - 1:
            return Reply(True, pages[page])
        return Reply(False, _lines(_hint_text(state), pages[page], *lines, _nav(state, page + 1 < len(pages))))

    def handle(self, ctx, state, value):
        options = self._layout(ctx, state)[1]
        if value.isascii() and value.isdigit() and 1 <= int(value) <= len(options):
            options[int(value) - 1][1](ctx, state)
        else:
            state.hint = [INVALID, {}]


class Prompt:
    """A screen that asks for typed text; a hint (what was wrong) replaces the question."""

    name = ""
    # Free text may itself contain "*", which AT also uses between inputs: such a screen takes the rest.
    takes_rest = False

    def title(self, ctx: Context, state: State) -> str:
        raise NotImplementedError

    def submit(self, ctx: Context, state: State, value: str) -> None:
        raise NotImplementedError

    def pages(self, ctx, state) -> int:
        return 1

    def render(self, ctx, state) -> Reply:
        return Reply(False, _lines(_hint_text(state) or clean(self.title(ctx, state)), _nav(state, False)))

    def handle(self, ctx, state, value):
        self.submit(ctx, state, value)


# --- the screens -----------------------------------------------------------------------------------

class Main(Menu):
    name = "main"
    hints = (INVALID, LANGUAGE_SET)

    def title(self, ctx, state):
        return t(state.lang, "Jekan Raya Office")

    def options(self, ctx, state):
        def go(screen):
            return lambda ctx, state: state.push(screen)

        return [
            (t(state.lang, "Requirements"), go("services")),
            (t(state.lang, "Check status"), go("status_ask")),
            (t(state.lang, "SMS alerts"), go("subscribe")),
            (t(state.lang, "Suggestions/complaints"), go("feedback")),
            (t(state.lang, "Office info"), go("info")),
            ("Bahasa/Language", go("language")),
        ]


class Services(Menu):
    name = "services"

    def title(self, ctx, state):
        return t(state.lang, "Choose a service:")

    def options(self, ctx, state):
        def open_service(code):
            return lambda ctx, state: state.push("service", code=code)

        return [(pick(s.name, state.lang), open_service(s.code)) for s in ctx.services]


class ServiceDetail(Document):
    name = "service"

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
    verdict = ratelimit.hit("ussd_sms", ctx.phone, limit=SMS_LIMIT, window=SMS_WINDOW)
    if not verdict.allowed:
        state.finish(TOO_MANY, minutes=_minutes(verdict.retry_after))
        return
    service = ctx.service(state.frame["code"])
    outbox.queue_sms(ctx.phone, checklist.checklist_sms(service, state.lang), outbox.Kind.CHECKLIST)
    db.session.commit()
    state.finish(N_("The checklist will come to you by SMS shortly."))


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


class StatusAsk(Prompt):
    name = "status_ask"

    def title(self, ctx, state):
        return t(state.lang, "Type your application number (10 digits):")

    def submit(self, ctx, state, value):
        attempt = ratelimit.status_attempt(ctx.phone)
        if not attempt.allowed:
            state.finish(TOO_MANY, minutes=_minutes(attempt.retry_after))
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
            state.finish(TOO_MANY, minutes=_minutes(verdict.retry_after))
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


class Subscribe(Menu):
    name = "subscribe"

    def title(self, ctx, state):
        return t(state.lang, "Announcements by SMS for:")

    def options(self, ctx, state):
        def place(row):
            return lambda ctx, state: _subscribe(ctx, state, row)

        return [
            *[(row.name, place(row)) for row in ctx.places],
            (t(state.lang, "All of Jekan Raya"), lambda ctx, state: _subscribe(ctx, state, None)),
            (t(state.lang, "Stop announcements"), _unsubscribe),
        ]


def _subscribe(ctx: Context, state: State, place: Kelurahan | None) -> None:
    citizens.subscribe(ctx.phone, place)
    db.session.commit()
    if place is None:
        state.finish(N_("Done. You will get announcements for all of Jekan Raya by SMS."))
    else:
        state.finish(N_("Done. You will get announcements for {place} by SMS."), place=place.name)


def _unsubscribe(ctx: Context, state: State) -> None:
    citizens.unsubscribe(ctx.phone)
    db.session.commit()
    state.finish(N_("Done. No more announcements. SMS about your own applications still come."))


FEEDBACK_KINDS = (
    ("saran", N_("Suggestion"), N_("Type your suggestion:")),
    ("aduan", N_("Complaint"), N_("Type your complaint:")),
    ("lainnya", N_("Other"), N_("Type your message:")),
)


class Feedback(Menu):
    name = "feedback"

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
            state.finish(TOO_MANY, minutes=_minutes(verdict.retry_after))
            return
        entry = feedback.submit(self._kind(state)[0], text, phone=ctx.phone, channel="ussd")
        db.session.commit()
        state.finish(N_("Thank you, we received it. Your ticket number is {ticket}."), ticket=entry.ticket)


class Info(Document):
    name = "info"
    last_is_end = True

    def text(self, ctx, state):
        lang = state.lang
        info = catalog.office_info()
        return "\n".join([
            pick(info["name"], lang),
            t(lang, "Address: {address}", address=pick(info["address"], lang)),
            t(lang, "Hours: {hours}", hours=pick(info["hours"], lang)),
            *[f"{pick(c['label'], lang)}: {c['value']}" for c in info["contacts"]],
        ])


class Language(Menu):
    name = "language"

    def title(self, ctx, state):
        return t(state.lang, "Choose language / Pilih bahasa:")

    def options(self, ctx, state):
        def choose(lang):
            return lambda ctx, state: _set_language(ctx, state, lang)

        return [("Bahasa Indonesia", choose("id")), ("English", choose("en"))]


def _set_language(ctx: Context, state: State, lang: str) -> None:
    citizens.set_language(ctx.phone, lang)
    db.session.commit()
    state.lang = lang
    state.stack = [{"s": "main", "p": 0}]
    state.hint = [LANGUAGE_SET, {}]


SCREENS = {screen.name: screen for screen in (
    Main(), Services(), ServiceDetail(), StatusAsk(), Status(), Subscribe(), Feedback(), FeedbackText(), Info(),
    Language(),
)}


def advance(ctx: Context, state: State, inputs: list[str]) -> State:
    """Apply the citizen's `inputs` in order to `state` (changed in place and returned)."""
    position = steps = 0
    while position < len(inputs) and state.end is None:
        screen = SCREENS[state.frame["s"]]
        if screen.takes_rest:
            value, position = "*".join(inputs[position:]), len(inputs)
        else:
            value, position = inputs[position], position + 1
        steps += 1
        if steps > MAX_STEPS:
            state.finish(TOO_LONG)
            break
        state.hint = None
        _step(ctx, state, screen, value.strip())
    return state


def _step(ctx: Context, state: State, screen, value: str) -> None:
    frame = state.frame
    if value == HOME:
        state.stack = [{"s": "main", "p": 0}]
    elif value == BACK and frame["p"] > 0:
        frame["p"] -= 1
    elif value == BACK and len(state.stack) > 1:
        state.stack.pop()
    elif value == MORE and isinstance(screen, Menu):
        if frame["p"] + 1 < screen.pages(ctx, state):
            frame["p"] += 1
        else:
            state.hint = [INVALID, {}]
    else:
        screen.handle(ctx, state, value)


def render(ctx: Context, state: State) -> Reply:
    """The screen the citizen sees now."""
    if state.end is not None:
        return Reply(True, clean(t(state.lang, state.end[0], **state.end[1])))
    return SCREENS[state.frame["s"]].render(ctx, state)
