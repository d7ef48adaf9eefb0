"""Errors the domain raises; every channel turns them into its own kind of answer."""


class DomainError(Exception):
    """A request the office cannot carry out. `code` is stable and machine-readable."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: str, code: str | None = None, **details):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        # Machine-readable facts beside the message, e.g. the status a refused move found.
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class InvalidTransition(DomainError):
    code = "illegal_transition"
    http_status = 409


class Conflict(DomainError):
    """Someone else changed the record between reading it and writing it; the caller may look and retry."""

    code = "conflict"
    http_status = 409
