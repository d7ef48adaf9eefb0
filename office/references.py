"""Application reference numbers: random digits with a Damm check digit.

They are typed on phone keypads, so they are digits only. Damm's check digit catches every single
wrong digit and every swap of two adjacent digits, so a typo is caught before any lookup. The body is
random, so references cannot be guessed by counting.
"""
import secrets

BODY_DIGITS = 9
LENGTH = BODY_DIGITS + 1

# Damm's totally anti-symmetric quasigroup of order 10.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _interim(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def check_digit(body: str) -> str:
    """The Damm check digit for a string of digits."""
    return str(_interim(body))


def generate() -> str:
    """A new random reference (uniqueness is checked by the caller against the database)."""
    # A leading zero is easy to drop when a number is copied into a spreadsheet or read aloud.
    body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(BODY_DIGITS - 1))
    return body + check_digit(body)


def clean(text: str) -> str:
    """Strip the spaces, dashes and dots people type between digit groups."""
    return "".join(ch for ch in text if ch not in " -.")


def is_valid(reference: str) -> bool:
    """True when `reference` has the right length, only digits and a correct check digit."""
    return len(reference) == LENGTH and reference.isascii() and reference.isdigit() and _interim(reference) == 0


def classify(text: str) -> str:
    """Say what is wrong with a typed reference: "ok", "format" (length or characters) or "check_digit"."""
    ref = clean(text)
    if len(ref) != LENGTH or not (ref.isascii() and ref.isdigit()):
        return "format"
    return "ok" if _interim(ref) == 0 else "check_digit"
