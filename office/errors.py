"""Errors the domain raises; every channel turns them into its own kind of answer."""


class DomainError(Exception):
    """A request the office cannot carry out. `code` is stable and machine-readable."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class InvalidTransition(DomainError):
    code = "illegal_transition"
    http_status = 409
