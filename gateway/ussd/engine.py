"""The USSD menu as a state machine: a stack of screens that takes the citizen's inputs one at a time.

The engine knows the kinds of screen (Menu, Document, Prompt) and how inputs move between screens; the
screens themselves (gateway.ussd.screens) are handed to an Engine, which finds them by name.

AT sends every input of the session on every hop (`text` = "1*2*3"), so a conversation is a function of
its inputs: `Engine.advance` feeds them to the state one by one and `Engine.render` draws the screen on top
of the stack.
Redis only saves replaying the inputs already seen (gateway.ussd.session_cache); a session whose state is
lost, or a gateway that dials straight into a sub-menu (fast-dial, text "2*1234567890"), replays from the
start.

Anywhere: "0" goes back one screen (or one page), "00" to the main menu, "98" to the next page. An input
that means nothing on a screen shows that screen again with a one-line hint instead of ending the session.
Side effects (SMS, feedback, subscription) only happen on the input that ends the session, so replaying
the inputs before it never repeats them; the two that keep it open are harmless to repeat: choosing a
language, and counting a status request against the phone's limits. A screen's action only changes the
database session: the /ussd route commits once, after the hop, and only then saves the hop in Redis. A
retried final hop (the same text again) gets the reply saved there without acting again; when Redis is
down, or lost the saved hop, the retry is replayed in full and its side effect happens twice: a second
feedback ticket, a second checklist SMS. That gap is known and left open.

Caveat: AT joins inputs with "*" and cannot tell a "*" the citizen typed from its separator. The one
free-text screen (feedback) therefore takes every remaining input, joined again with "*", so the text
arrives as typed; a "*" typed in a reference or a menu choice just reads as more inputs.
"""
import json
from collections.abc import Callable
from collections.abc import Container
from dataclasses import dataclass
from dataclasses import field

from gateway.ussd import snapshot
from gateway.ussd.text import BODY_LIMIT
from gateway.ussd.text import clean
from gateway.ussd.text import page_options
from gateway.ussd.text import page_text
from gateway.ussd.text import width
from office.i18n import LANGUAGES
from office.i18n import N_
from office.i18n import t
from office.models import Service

BACK, HOME, MORE = "0", "00", "98"
# Every session starts on the screen of this name, and "00" goes back to it.
ROOT = "main"
# A real session lasts at most 180 s, a few dozen inputs; more is a replayed or forged text.
MAX_STEPS = 100

INVALID = N_("Invalid choice.")
TOO_LONG = N_("This session is too long. Please dial again.")


@dataclass
class State:
    """Where a session is: its language, the screen stack, a hint for the next screen, or its end."""

    lang: str
    stack: list[dict] = field(default_factory=lambda: [{"s": ROOT, "p": 0}])
    hint: list | None = None  # [msgid, values] shown once on top of the current screen
    end: list | None = None  # [msgid, values] of the closing screen; the session is over

    @property
    def frame(self) -> dict:
        return self.stack[-1]

    def push(self, screen: str, **params) -> None:
        self.stack.append({"s": screen, "p": 0, **params})

    def home(self) -> None:
        self.stack = [{"s": ROOT, "p": 0}]

    def finish(self, msgid: str, **values) -> None:
        self.end = [msgid, values]

    def to_json(self) -> dict:
        return {"lang": self.lang, "stack": self.stack, "hint": self.hint, "end": self.end}

    @classmethod
    def from_json(cls, data: dict, screens: Container[str]) -> "State":
        """Rebuild a saved state whose screens are all among `screens`; raise ValueError when it is not one."""
        try:
            state = cls(lang=data["lang"], stack=list(data["stack"]), hint=data["hint"], end=data["end"])
            ok = (state.lang in LANGUAGES and state.stack
                  and all(isinstance(f, dict) and f.get("s") in screens and isinstance(f.get("p"), int)
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
        self._catalog = snapshot.current()
        self.services, self.places = self._catalog.services, self._catalog.places
        self._layouts: dict = {}

    def layout(self, screen, state: "State", build):
        """`build(ctx, state)` once for what a screen's layout depends on (not its page).

        Once per request, or once per catalog snapshot for a screen whose layout depends on nothing but the
        catalog and the state (`shared_layout`): every request then finds it worked out.
        """
        params = json.dumps({k: v for k, v in state.frame.items() if k != "p"}, sort_keys=True)
        key = (screen.name, state.lang, len(state.stack), params)
        layouts = self._catalog.layouts if screen.shared_layout else self._layouts
        found = layouts.get(key)
        if found is None:
            found = layouts[key] = build(self, state)
        return found

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)


@dataclass(frozen=True)
class Display:
    """What the phone shows after a hop: a screen's text, and whether the session ends with it."""

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
    # True for a screen drawn from the catalog and the state alone (not the database, not the phone): its
    # layout then serves every request of the process until the catalog is read again.
    shared_layout = False

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

    def render(self, ctx, state) -> Display:
        title, _, pages = self._layout(ctx, state)
        page = min(state.frame["p"], len(pages) - 1)
        lines = [line for _, line in pages[page]]
        return Display(False, _lines(_hint_text(state) or title, *lines, _nav(state, page + 1 < len(pages))))

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

    def render(self, ctx, state) -> Display:
        _, _, pages, lines = self._layout(ctx, state)
        page = min(state.frame["p"], len(pages) - 1)
        if self.last_is_end and page == len(pages) - 1:
            return Display(True, pages[page])
        return Display(False, _lines(_hint_text(state), pages[page], *lines, _nav(state, page + 1 < len(pages))))

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

    def render(self, ctx, state) -> Display:
        return Display(False, _lines(_hint_text(state) or clean(self.title(ctx, state)), _nav(state, False)))

    def handle(self, ctx, state, value):
        self.submit(ctx, state, value)


class Engine:
    """A menu's screens, found by name: how the citizen's inputs move a state between them, and what it shows."""

    def __init__(self, *screens):
        self._screens = {screen.name: screen for screen in screens}
        if ROOT not in self._screens:
            raise ValueError(f"a menu needs a screen named {ROOT!r}")

    def __contains__(self, name: str) -> bool:
        return name in self._screens

    def advance(self, ctx: Context, state: State, inputs: list[str]) -> State:
        """Apply the citizen's `inputs` in order to `state` (changed in place and returned)."""
        position = steps = 0
        while position < len(inputs) and state.end is None:
            screen = self._screens[state.frame["s"]]
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

    def render(self, ctx: Context, state: State) -> Display:
        """The screen the citizen sees now."""
        if state.end is not None:
            return Display(True, clean(t(state.lang, state.end[0], **state.end[1])))
        return self._screens[state.frame["s"]].render(ctx, state)


def _step(ctx: Context, state: State, screen, value: str) -> None:
    frame = state.frame
    if value == HOME:
        state.home()
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
