"""Fitting USSD screens into 160 GSM-7 characters: cleaning text, measuring it, and paging it.

AT documents no screen limit; 182 septets is the GSM maximum and some handsets cut earlier, so every
screen, including its `CON `/`END ` prefix, is kept within 160. A character outside GSM-7 would turn the
whole screen into UCS-2 and halve what fits, so every dynamic text goes through `clean` first.
"""
import unicodedata

from office.gsm import GSM7_BASIC
from office.gsm import GSM7_EXTENDED
from office.gsm import to_gsm

SCREEN_LIMIT = 160
PREFIX_WIDTH = 4  # "CON " or "END "
BODY_LIMIT = SCREEN_LIMIT - PREFIX_WIDTH
ELLIPSIS = "..."


_GSM7 = GSM7_BASIC | GSM7_EXTENDED


def _gsm_char(ch: str) -> str:
    if ch in _GSM7:
        return ch
    if ch.isspace():
        return " "
    # Accented letters outside GSM-7 (e.g. "ş") keep their base letter; anything else becomes "?".
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if base and all(c in GSM7_BASIC for c in base) else "?"


def clean(text: str) -> str:
    """`text` in plain GSM-7 with single spaces and no carriage returns, ready to measure."""
    text = to_gsm(text).replace("\r", "")
    # Most texts are GSM-7 already; only the others are worth going through one character at a time.
    if not _GSM7.issuperset(text):
        text = "".join(_gsm_char(ch) if ch != "\n" else ch for ch in text)
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


def width(text: str) -> int:
    """Septets a cleaned text takes on a screen (escaped GSM characters count two)."""
    return len(text) + sum(map(text.count, GSM7_EXTENDED))


def shorten_label(text: str, room: int) -> str:
    """`text` cut at a word boundary to fit `room`, marked with "..." (for menu labels only)."""
    if width(text) <= room:
        return text
    words = text.split(" ")
    while words and width(" ".join(words) + ELLIPSIS) > room:
        words.pop()
    if words:
        return " ".join(words) + ELLIPSIS
    return _hard_split(text, room - len(ELLIPSIS))[0] + ELLIPSIS


def _hard_split(word: str, room: int) -> list[str]:
    """Split one word longer than a whole page; the only place a word is ever cut."""
    parts, current, used = [], "", 0
    for ch in word:
        cost = width(ch)
        if current and used + cost > room:
            parts.append(current)
            current, used = "", 0
        current += ch
        used += cost
    return [*parts, current] if current else parts


def page_text(text: str, room: int) -> list[str]:
    """Split cleaned `text` into pages of at most `room` septets, breaking at line ends and between words.

    A line that does not fit the rest of a page starts the next one, so an item or a phone number is
    read in one piece; only a line longer than a whole page is broken, between words.
    """
    pages: list[str] = []
    current, used = "", 0
    for line in text.split("\n"):
        words = line.split()
        if not words:
            continue
        line_width = width(" ".join(words))
        if current and used + 1 + line_width > room >= line_width:
            pages.append(current)
            current, used = "", 0
        for index, word in enumerate(words):
            joiner = ("\n" if index == 0 else " ") if current else ""
            cost = width(word)
            if used + len(joiner) + cost <= room:
                current += joiner + word
                used += len(joiner) + cost
                continue
            if current:
                pages.append(current)
            *full, current = _hard_split(word, room) if cost > room else [word]
            pages.extend(full)
            used = width(current)
    if current or not pages:
        pages.append(current)
    return pages


def page_options(labels: list[str], room: int) -> list[list[tuple[int, str]]]:
    """Lay numbered options out in pages of at most `room` septets; numbering restarts on each page.

    Returns, per page, (index into `labels`, the line shown). A label too long for a page of its own is
    shortened at a word boundary: the screen it leads to shows the full text.
    """
    pages: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    used = 0
    for index, label in enumerate(labels):
        line = f"{len(current) + 1}. {label}"
        cost = width(line) + (1 if current else 0)
        if current and used + cost > room:
            pages.append(current)
            current, used = [], 0
            line = f"1. {label}"
            cost = width(line)
        if cost > room:
            line = "1. " + shorten_label(label, room - 3)
            cost = width(line)
        current.append((index, line))
        used += cost
    if current or not pages:
        pages.append(current)
    return pages
