"""Uploaded spreadsheets kept between the steps of an import, in the instance folder's uploads/.

A file is named by a random token; only the token travels, in the signed session of the user who
uploaded it, so no path ever comes from the browser. Files are deleted after their import, when the
clerk starts over or cancels, and by any later upload once older than KEEP_SECONDS.
"""
import os
import re
import secrets
import time

from flask import current_app

KEEP_SECONDS = 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def _folder() -> str:
    folder = os.path.join(current_app.instance_path, "uploads")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def _path(token) -> str | None:
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return os.path.join(_folder(), token)


def keep(data: bytes) -> str:
    """Store `data` under a new token and return the token."""
    sweep()
    token = secrets.token_urlsafe(24)
    descriptor = os.open(_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as fh:
        fh.write(data)
    return token


def read(token) -> bytes | None:
    """The file stored under `token`, or None when there is none (or it is older than KEEP_SECONDS)."""
    path = _path(token)
    try:
        if path is None or time.time() - os.path.getmtime(path) > KEEP_SECONDS:
            return None
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def discard(token) -> None:
    """Delete the file stored under `token`, if any."""
    path = _path(token)
    if path is not None:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def sweep() -> int:
    """Delete the uploads older than KEEP_SECONDS; returns how many."""
    folder, removed = _folder(), 0
    cutoff = time.time() - KEEP_SECONDS
    for entry in os.scandir(folder):
        try:
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                os.remove(entry.path)
                removed += 1
        except FileNotFoundError:
            continue
    return removed
