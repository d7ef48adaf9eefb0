"""Backups of Lekas's database, and putting one back: `flask --app app backup FILE`, `flask --app app restore FILE`.

SQLite (the small office): a copy made with SQLite's own backup API, consistent even while the web and the
workers keep writing. PostgreSQL: `pg_dump` in its custom format (compressed, read by `pg_restore`), with
the password handed over in the environment, never on a command line others can see.

A restore goes into the database DATABASE_URL names. It must be empty, unless --replace says to overwrite
it; then the migrations run, so a backup from an older Lekas comes up to date, and the restore says what it
holds. Redis needs no backup: the database is the outbox, and the sweeper queues again what Redis lost.
"""
import os
import sqlite3
import subprocess

import click
from flask import current_app
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy.engine import make_url

from extensions import db


class BackupError(click.ClickException):
    """A backup or restore that cannot be done, with the reason."""


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file to back up or restore into")
    return url.database


def _libpq(url) -> tuple[str, dict]:
    """The database's address for pg_dump/pg_restore, and an environment carrying its password."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)") from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def backup(destination: str) -> None:
    """Write a backup of the configured database to `destination` (replaced if it exists)."""
    url = _url()
    partial = destination + ".partial"
    # Written beside and renamed, so a backup cut short never passes for a whole one.
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(sqlite3.connect(_sqlite_path(url)), partial)
    else:
        address, env = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", address], env)
    os.replace(partial, destination)


def restore(source: str, *, replace: bool) -> None:
    """Put the backup `source` into the configured database, which must be empty unless `replace`."""
    if not os.path.isfile(source):
        raise BackupError(f"no backup file at {source}")
    url = _url()
    tables = inspect(db.engine).get_table_names()
    if tables and not replace:
        raise BackupError(f"the database already holds {len(tables)} tables; restore into an empty one, or "
                          "add --replace to overwrite it")
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        _restore_sqlite(source, _sqlite_path(url))
    else:
        address, env = _libpq(url)
        clean = ["--clean", "--if-exists"] if replace else []
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *clean, f"--dbname={address}",
              source], env)


def _restore_sqlite(source: str, path: str) -> None:
    try:
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        backup_db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not an SQLite backup ({exc})") from None
    _copy_sqlite(backup_db, path)


def _copy_sqlite(source: sqlite3.Connection, path: str) -> None:
    """Copy the open database `source` whole into the file at `path`, then close both."""
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def summary() -> str:
    """What the database holds, in a line: how many applications, messages and staff accounts."""
    from office.models import Application
    from office.models import Message
    from office.models import StaffUser

    counts = [db.session.scalar(select(func.count()).select_from(model)) for model in (Application, Message,
                                                                                        StaffUser)]
    return "{:,} applications, {:,} messages, {:,} staff accounts".format(*counts)


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, writable=True))
def backup_command(destination):
    """Write a backup of the database to DESTINATION (SQLite: a database file; PostgreSQL: pg_dump's format)."""
    backup(destination)
    click.echo(f"Backed up to {destination}: {summary()}.")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Overwrite a database that is not empty.")
def restore_command(source, replace):
    """Put the backup SOURCE into the (empty) database, then bring its schema up to date."""
    from commands import init_db

    restore(source, replace=replace)
    init_db()
    click.echo(f"Restored from {source}: {summary()}.")


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
