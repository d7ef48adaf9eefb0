"""A text cut into the parts the daemon sends, with the concatenation header each part needs.

The cut follows office.gsm's count exactly (153 septets or 67 UTF-16 units a part, an escaped GSM
character or a surrogate pair never split), so the parts the modem sends are the segments Lekas billed.
"""
from dataclasses import dataclass

from office.gsm import GSM7_PART_LIMIT
from office.gsm import UCS2_PART_LIMIT
from office.gsm import analyze
from office.gsm import septets
from office.gsm import utf16_units

GSM7 = "Default_No_Compression"
UNICODE = "Unicode_No_Compression"
# "In most cases, the multipart message has to be class 1" (man 7 gammu-smsd-tables).
MULTIPART_CLASS = 1


@dataclass(frozen=True)
class Part:
    """One SMS of a message: its text and User Data Header (hex; None for a single SMS)."""

    text: str
    udh: str | None


@dataclass(frozen=True)
class Split:
    """A message as the daemon takes it: the coding of every part, and the parts in order."""

    coding: str
    parts: list[Part]


def split(text: str, reference: int) -> Split:
    """Cut `text` into parts; `reference` (0-255) ties the parts of one message together on the phone.

    A long text's header is 05 00 03, the reference, the number of parts and the part's number (the
    8-bit concatenation element of GSM 03.40), as the daemon's manual shows.
    """
    length = analyze(text)
    coding = GSM7 if length.encoding == "GSM-7" else UNICODE
    if length.segments == 1:
        return Split(coding, [Part(text, None)])
    limit = GSM7_PART_LIMIT if coding == GSM7 else UCS2_PART_LIMIT
    cost = septets if coding == GSM7 else utf16_units
    chunks, current, used = [], [], 0
    for ch in text:
        if used + cost(ch) > limit:
            chunks.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += cost(ch)
    chunks.append("".join(current))
    total = len(chunks)
    return Split(coding, [Part(chunk, f"050003{reference % 256:02X}{total:02X}{number:02X}")
                          for number, chunk in enumerate(chunks, start=1)])

