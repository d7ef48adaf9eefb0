"""`flask --app app ...` commands for set-up chores, staff accounts and the worker."""
import sys

import click
from flask import current_app
from flask_migrate import upgrade
from redis import Redis
from rq import Queue
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.engine import Engine

import config
from extensions import db
from office import accounts
from office import apikeys
from office import applications
from office import catalog
from office import lifecycle as lc
from office import queue
from office.errors import DomainError
from office.models import Application
from office.models import QueueTicket
from office.models import StaffUser
from office.roles import Role


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # Web, worker and tests share one SQLite file: WAL lets readers run beside a writer, and a busy
    # timeout makes a second writer wait instead of failing at once.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def init_db() -> dict:
    """Create or migrate the schema and load the catalog; returns what the catalog load changed."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    changed = catalog.load_catalog()
    changed.update(queue.load_setup())
    db.session.commit()
    return changed


@click.command("init-db")
def init_db_command():
    """Create or migrate the database and load the service catalog (safe to rerun)."""
    changed = init_db()
    click.echo(f"Database ready. Catalog: {changed['services']} services and "
               f"{changed['kelurahan']} kelurahan added or updated; queue: {changed['groups']} groups and "
               f"{changed['counters']} counters.")


DEMO_PATHS = {
    lc.RECEIVED: [],
    lc.VERIFYING: [(lc.VERIFYING, None)],
    lc.NEEDS_DOCUMENTS: [(lc.VERIFYING, None), (lc.NEEDS_DOCUMENTS, "Fotokopi KK belum dilampirkan")],
    lc.PROCESSING: [(lc.VERIFYING, None), (lc.PROCESSING, None)],
    lc.FORWARDED: [(lc.VERIFYING, None), (lc.FORWARDED, None)],
    lc.READY: [(lc.VERIFYING, None), (lc.PROCESSING, None), (lc.READY, None)],
    lc.COLLECTED: [(lc.VERIFYING, None), (lc.PROCESSING, None), (lc.READY, None), (lc.COLLECTED, None)],
    lc.REJECTED: [(lc.VERIFYING, None), (lc.REJECTED, "Data pada KK tidak sesuai dengan KTP-el")],
}
DEMO_PASSWORD = "lekas-demo"
DEMO_STAFF = [
    ("admin", "Admin Demo", "admin", None),
    ("petugas", "Petugas Loket", "operator", None),
    ("menteng", "Operator Kelurahan Menteng", "kelurahan", "Menteng"),
    ("camat", "Camat Jekan Raya", "viewer", None),
]
DEMO_PEOPLE = [
    ("Budi Santoso", "0812-3456-0001", "KTP", "Menteng"),
    ("Siti Rahmawati", "0812-3456-0002", "KK", "Palangka"),
    ("Yohanes Dehen", "0813-4567-0003", "SKTM", "Bukit Tunggal"),
    ("Rina Kartika", "0852-1234-0004", "KIA", "Petuk Katimpun"),
    ("Ahmad Fauzi", "0857-9876-0005", "PINDAH", "Menteng"),
    ("Maria Ngantung", "0878-1111-0006", "KTP", "Palangka"),
    ("Dedi Kurniawan", "0821-2222-0007", "LAHIR", "Bukit Tunggal"),
    ("Lestari Ningsih", "0896-3333-0008", "NIKAH", "Menteng"),
]


@click.command("seed-demo")
def seed_demo_command():
    """Add a demo staff account of every role and one sample application in every status, and print them.

    Refused in production: it creates a known password and texts demo numbers that may be real phones.
    """
    if config.is_production(current_app.config):
        raise click.ClickException("seed-demo is for development; it is refused when LEKAS_ENV=production.")
    for username, name, role, kelurahan in DEMO_STAFF:
        if db.session.scalar(select(StaffUser).where(StaffUser.username == username)) is None:
            accounts.create_user(username, name, role, DEMO_PASSWORD, kelurahan=kelurahan, actor="seed-demo",
                                 must_change_password=False)
            db.session.commit()
            click.echo(f"Staff user: {username} / {DEMO_PASSWORD} ({role}; change it before real use)")
    _seed_queue()
    if db.session.scalar(select(Application).where(Application.created_by == "seed-demo").limit(1)):
        click.echo("Sample applications already exist; nothing added.")
        return
    for (status, moves), (name, phone, service, kelurahan) in zip(DEMO_PATHS.items(), DEMO_PEOPLE, strict=True):
        app = applications.create_application(service, name, phone, kelurahan, actor="seed-demo")
        for new_status, note in moves:
            applications.change_status(app.reference, new_status, note, actor="seed-demo")
        db.session.commit()
        click.echo(f"{app.reference}  {status:<16} {service:<7} {name} ({app.phone})")


def _seed_queue() -> None:
    """A morning in the lobby for the display and the counter panel: tickets waiting, two of them at counters."""
    if db.session.scalar(select(QueueTicket).where(QueueTicket.day == queue.office_day()).limit(1)):
        return
    for letter, priority in [("A", False), ("B", False), ("A", True), ("C", False), ("B", False), ("D", False),
                             ("A", False), ("C", True), ("B", False)]:
        queue.issue(letter, priority=priority)
    petugas = db.session.scalar(select(StaffUser).where(StaffUser.username == "petugas"))
    for code in ("1", "3"):
        queue.call_next(queue.get_counter(code), staff_id=petugas.id if petugas else None)
    db.session.commit()
    click.echo("Lobby queue: 9 demo tickets today, two called (display: /kiosk/display, counters: /staff/counter)")


@click.command("create-api-key")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice([scope.value for scope in apikeys.Scope]),
              help="What the key may do; repeat for more. Without any: every scope.")
@click.option("--kelurahan", help="Limit the key to this kelurahan's applications and their SMS (name or code).")
def create_api_key_command(name, scopes, kelurahan):
    """Create an API key for NAME; the key is printed once, alone on the last line."""
    try:
        _key, token = apikeys.create_key(name, scopes=list(scopes) or None, kelurahan=kelurahan, actor="cli")
    except DomainError as exc:
        raise _field_error(exc) from None
    db.session.commit()
    click.echo(f"API key for {name} (store it now, it is not shown again):")
    click.echo(token)


@click.command("list-api-keys")
def list_api_keys_command():
    """List the API keys, the ones in use first: id, prefix, name, scopes, kelurahan, uses, last use, state."""
    rows = [("ID", "PREFIX", "NAME", "SCOPES", "KELURAHAN", "USES", "LAST USED (UTC)", "STATE")]
    keys = apikeys.keys()
    usage = apikeys.usage(keys)
    for key in keys:
        scopes = "all (from before scopes)" if key.scopes is None else ",".join(apikeys.scopes_of(key))
        used = usage[key.id]
        rows.append((str(key.id), f"lk_{key.prefix}", key.name, scopes, key.kelurahan.name if key.kelurahan else "-",
                     str(used.count), _minute(used.last_used_at) or "never",
                     f"revoked {_minute(key.revoked_at)}" if key.revoked_at else "active"))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())


def _minute(moment) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else None


@click.command("revoke-api-key")
@click.argument("key")
def revoke_api_key_command(key):
    """Revoke the API key KEY, given by its id or its prefix (lk_xxxxxxxx, as list-api-keys shows it)."""
    try:
        found = apikeys.find_key(key)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    revoked = apikeys.revoke(found, actor="cli")
    db.session.commit()
    click.echo(f"Revoked the key of {found.name} (lk_{found.prefix})." if revoked
               else f"The key of {found.name} (lk_{found.prefix}) was already revoked.")


def _password(username: str) -> str:
    # At a terminal: asked twice, hidden. Piped: the first line, and a second one must repeat it.
    if sys.stdin.isatty():
        return click.prompt(f"Password for {username}", hide_input=True, confirmation_prompt=True)
    lines = sys.stdin.read().splitlines()
    if not lines or (len(lines) > 1 and lines[1] and lines[1] != lines[0]):
        raise click.ClickException("Give the password on standard input (twice, on two lines, or once).")
    return lines[0]


def _field_error(exc: DomainError) -> click.ClickException:
    field = exc.details.get("field")
    return click.ClickException(f"{field}: {exc.message}" if field else exc.message)


@click.command("create-staff")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]),
              help="What the account may do.")
@click.option("--kelurahan", help="The kelurahan (code or name) of a kelurahan account.")
@click.option("--name", help="The person's name as the console shows it (default: the username).")
def create_staff_command(username, role, kelurahan, name):
    """Create a console account; its password is asked twice (or read from standard input) and must be
    changed at the first sign-in."""
    try:
        accounts.create_user(username, name or username, role, _password(username), kelurahan=kelurahan,
                             actor="cli")
    except DomainError as exc:
        raise _field_error(exc) from None
    db.session.commit()
    click.echo(f"Created {username} ({role}). They choose their own password at the first sign-in.")


@click.command("reset-password")
@click.argument("username")
def reset_password_command(username):
    """Give USERNAME a new password (asked twice, or read from standard input); their sessions end, a lockout
    is lifted, and they must change it at the next sign-in."""
    try:
        accounts.reset_password(accounts.get_user(username), _password(username), actor="cli")
    except DomainError as exc:
        raise _field_error(exc) from None
    db.session.commit()
    click.echo(f"Password of {username} reset; they choose a new one at the next sign-in.")


@click.command("deactivate-staff")
@click.argument("username")
def deactivate_staff_command(username):
    """Close USERNAME's account: no more sign-ins, and open sessions end."""
    try:
        accounts.deactivate(accounts.get_user(username), actor="cli")
    except DomainError as exc:
        raise _field_error(exc) from None
    db.session.commit()
    click.echo(f"Deactivated {username}.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--scheduler/--no-scheduler", default=True, help="Also run RQ's scheduler (retries, timed jobs).")
@click.argument("queues", nargs=-1)
def worker_command(burst, scheduler, queues):
    """Run an RQ worker (with its scheduler) on REDIS_URL, high-priority queue first.

    The worker also keeps the periodic housekeeping (sweeper, reminders) scheduled, see jobs/schedule.py,
    and starts again by itself after losing Redis.
    """
    from jobs import worker
    from jobs.queues import ORDER

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    options = worker.maintenance_options(current_app.config["WORKER_MAINTENANCE_SECONDS"])
    # Each job runs in a forked child; it must open its own database connections, not share the parent's.
    db.engine.dispose()
    worker.run(lambda: worker.LekasWorker([Queue(name, connection=connection) for name in queues or ORDER],
                                          connection=connection, **options),
               burst=burst, with_scheduler=scheduler)


@click.command("gammu-init-db")
def gammu_init_db_command():
    """Create gammu-smsd's tables in GAMMU_DATABASE_URL from the daemon's own schema (GAMMU_SCHEMA_DIR)."""
    from gateway.gammu import tables

    try:
        created = tables.create_schema(tables.engine(), current_app.config["GAMMU_SCHEMA_DIR"])
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("gammu-smsd tables created." if created else "gammu-smsd tables already exist; nothing changed.")


@click.command("gammu-fake-phone")
@click.argument("root", type=click.Path(file_okay=False))
def gammu_fake_phone_command(root):
    """Set up Gammu's fake phone in ROOT for gammu-smsd: the daemon's tables in GAMMU_DATABASE_URL, the
    phone's folder and ROOT/smsdrc (development: `make run SMS_PROVIDER=gammu`)."""
    from gateway.gammu import fake_phone
    from gateway.gammu import tables

    try:
        # The folder first: an SQLite database in it is created with the tables.
        path = fake_phone.prepare(root, current_app.config["GAMMU_DATABASE_URL"] or "",
                                  phone_id=current_app.config["GAMMU_PHONE_ID"] or "modem1")
        tables.create_schema(tables.engine(), current_app.config["GAMMU_SCHEMA_DIR"])
    except (RuntimeError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Fake phone ready; start the daemon with: gammu-smsd -c {path}")


@click.command("gammu-fake-sms")
@click.argument("root", type=click.Path(file_okay=False, exists=True))
@click.argument("sender")
@click.argument("text")
@click.option("--report", is_flag=True, help="TEXT is a delivery report for SENDER's last SMS instead: "
                                             "Delivered, Failed, Pending or Unknown.")
def gammu_fake_sms_command(root, sender, text, report):
    """The fake phone set up in ROOT receives TEXT from SENDER (development)."""
    from pathlib import Path

    from gateway.gammu import fake_phone
    from office.gsm import is_gsm7

    device = Path(root) / "phone"
    if report:
        fake_phone.status_report(device, sender, text)
    else:
        fake_phone.receive(device, sender, text, unicode=not is_gsm7(text))
    click.echo("Dropped into the fake phone; gammu-smsd reads it within a second or two.")


def init_app(app):
    for command in (init_db_command, seed_demo_command, create_api_key_command, list_api_keys_command,
                    revoke_api_key_command, create_staff_command, reset_password_command, deactivate_staff_command,
                    worker_command, gammu_init_db_command, gammu_fake_phone_command, gammu_fake_sms_command):
        app.cli.add_command(command)
