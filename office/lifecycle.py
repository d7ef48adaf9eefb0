"""The application lifecycle: statuses, the moves allowed between them, and what each means to a citizen.

This module is the one place the rules live; every channel asks it before changing a status.
"""
from office.i18n import N_

RECEIVED = "RECEIVED"
VERIFYING = "VERIFYING"
NEEDS_DOCUMENTS = "NEEDS_DOCUMENTS"
PROCESSING = "PROCESSING"
FORWARDED = "FORWARDED"
READY = "READY"
COLLECTED = "COLLECTED"
REJECTED = "REJECTED"

MOVES = {
    RECEIVED: frozenset({VERIFYING, REJECTED}),
    VERIFYING: frozenset({NEEDS_DOCUMENTS, PROCESSING, FORWARDED, REJECTED}),
    NEEDS_DOCUMENTS: frozenset({VERIFYING, REJECTED}),
    PROCESSING: frozenset({READY, REJECTED}),
    FORWARDED: frozenset({READY, REJECTED}),
    READY: frozenset({COLLECTED}),
    COLLECTED: frozenset(),
    REJECTED: frozenset(),
}
STATUSES = tuple(MOVES)
FINAL = frozenset(s for s, nxt in MOVES.items() if not nxt)
# The office still owes the citizen something: only these can be overdue, or block a duplicate.
OPEN = frozenset({RECEIVED, VERIFYING, NEEDS_DOCUMENTS, PROCESSING, FORWARDED})
# The citizen must be told why (REJECTED) or what to bring (NEEDS_DOCUMENTS).
NOTE_REQUIRED = frozenset({REJECTED, NEEDS_DOCUMENTS})

LABELS = {
    RECEIVED: N_("Received"),
    VERIFYING: N_("Being checked"),
    NEEDS_DOCUMENTS: N_("Documents missing"),
    PROCESSING: N_("Being processed"),
    FORWARDED: N_("Sent to Disdukcapil"),
    READY: N_("Ready for pickup"),
    COLLECTED: N_("Collected"),
    REJECTED: N_("Rejected"),
}

NEXT_STEPS = {
    RECEIVED: N_("We will check your documents soon."),
    VERIFYING: N_("No action needed, please wait."),
    NEEDS_DOCUMENTS: N_("Bring the missing documents to the office."),
    PROCESSING: N_("No action needed, we will SMS you."),
    FORWARDED: N_("Disdukcapil is processing it, we will SMS you."),
    READY: N_("Collect at the office with your ID and receipt."),
    COLLECTED: N_("Done. Thank you."),
    REJECTED: N_("See the reason or ask at the office."),
}


def can_move(current: str, new: str) -> bool:
    """True when an application in `current` may move to `new`."""
    return new in MOVES.get(current, ())


def is_status(value: str) -> bool:
    return value in MOVES
