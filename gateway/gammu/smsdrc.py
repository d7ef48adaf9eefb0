"""A gammu-smsd configuration made from a template and the database Lekas shares with the daemon."""
import os
from urllib.parse import unquote
from urllib.parse import urlsplit

FAKE_PHONE_TEMPLATE = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "gammu", "smsdrc.fake-phone")


def database_lines(url: str) -> str:
    """The [smsd] lines that point the daemon at `url` (sqlite:////path/file.db or postgresql://...).

    :raise ValueError: for another kind of database, or an SQLite URL without an absolute path.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "sqlite":
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if not os.path.isabs(path):
            raise ValueError(f"the daemon needs an absolute SQLite path (sqlite:////...), not {url!r}")
        return f"driver = sqlite3\ndbdir = {os.path.dirname(path)}/\ndatabase = {os.path.basename(path)}"
    if scheme in ("postgres", "postgresql"):
        host = f"{parts.hostname or 'localhost'}:{parts.port}" if parts.port else (parts.hostname or "localhost")
        lines = ["driver = native_pgsql", f"host = {host}", f"database = {parts.path.lstrip('/')}"]
        if parts.username:
            lines.append(f"user = {unquote(parts.username)}")
        if parts.password:
            lines.append(f"password = {unquote(parts.password)}")
        return "\n".join(lines)
    raise ValueError(f"gammu-smsd here takes SQLite or PostgreSQL, not {scheme!r}")


def render(url: str, *, device: str, logfile: str, phone_id: str, template: str = FAKE_PHONE_TEMPLATE) -> str:
    """The configuration `template` makes for the fake phone in `device` and the database at `url`."""
    with open(template, encoding="utf-8") as fh:
        text = fh.read()
    return text.format(device=device, database=database_lines(url), logfile=logfile, phone_id=phone_id)
