"""Checking text fields that arrive from outside (API bodies, staff forms, telco callbacks)."""
from office.errors import DomainError


def text_field(value, name: str, required: bool) -> str | None:
    """`value` stripped (and without NUL characters, which no database column should hold), or None when
    empty and optional.

    :raise DomainError: "missing_field" when required and empty, "invalid_field" when not text.
    """
    if isinstance(value, str):
        value = value.replace("\x00", "")
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DomainError(f"{name} is required.", code="missing_field")
        return None
    if not isinstance(value, str):
        raise DomainError(f"{name} must be text.", code="invalid_field")
    return value.strip()


def clip(value: str | None, limit: int) -> str | None:
    """`value` cut to `limit` characters for a column of that size, or None when empty."""
    return value[:limit] if value else None
