"""The daemon's tables, as far as Lekas reads and writes them, and the engine that reaches them.

The daemon creates nothing itself: its schema comes with the package (GAMMU_SCHEMA_DIR, Debian's
/usr/share/doc/gammu-smsd/examples) and `create_schema` loads it. The tables are described here in a
metadata of their own, never Lekas's: Lekas's migrations must not touch them. Column names keep the
daemon's capitals; PostgreSQL's schema quotes them, so they are case-sensitive there.
"""
import os

from flask import current_app
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import DateTime
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import TypeDecorator
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine


class Flag(TypeDecorator):
    """A yes/no column: boolean in the daemon's PostgreSQL schema, the words 'true'/'false' (or 'yes'/'no')
    in its SQLite one; True or False in Python either way."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(Boolean() if dialect.name == "postgresql" else Text())

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name == "postgresql":
            return value
        return "true" if value else "false"

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, bool):
            return value
        return value.strip().lower() in ("true", "yes", "1")


metadata = MetaData()

outbox = Table(
    "outbox", metadata,
    Column("ID", Integer, primary_key=True),
    Column("DestinationNumber", Text), Column("TextDecoded", Text), Column("Coding", Text), Column("UDH", Text),
    Column("Class", Integer), Column("MultiPart", Flag), Column("SenderID", Text), Column("CreatorID", Text),
    Column("DeliveryReport", Text), Column("Status", Text), Column("InsertIntoDB", DateTime),
)
outbox_multipart = Table(
    "outbox_multipart", metadata,
    Column("ID", Integer, primary_key=True), Column("SequencePosition", Integer, primary_key=True),
    Column("TextDecoded", Text), Column("Coding", Text), Column("UDH", Text), Column("Class", Integer),
)
sentitems = Table(
    "sentitems", metadata,
    Column("ID", Integer, primary_key=True), Column("SequencePosition", Integer, primary_key=True),
    Column("DestinationNumber", Text), Column("TextDecoded", Text), Column("Coding", Text), Column("UDH", Text),
    Column("SenderID", Text), Column("CreatorID", Text), Column("Status", Text), Column("StatusError", Integer),
    Column("TPMR", Integer), Column("Text", Text), Column("InsertIntoDB", DateTime),
    Column("SendingDateTime", DateTime), Column("DeliveryDateTime", DateTime), Column("UpdatedInDB", DateTime),
)
inbox = Table(
    "inbox", metadata,
    Column("ID", Integer, primary_key=True),
    Column("SenderNumber", Text), Column("TextDecoded", Text), Column("Coding", Text), Column("UDH", Text),
    Column("Text", Text), Column("RecipientID", Text), Column("Processed", Flag), Column("Class", Integer),
    Column("ReceivingDateTime", DateTime),
)
phones = Table(
    "phones", metadata,
    Column("IMEI", Text, primary_key=True), Column("IMSI", Text),
    Column("ID", Text), Column("UpdatedInDB", DateTime), Column("TimeOut", DateTime), Column("Send", Flag),
    Column("Receive", Flag), Column("NetName", Text), Column("NetCode", Text), Column("Client", Text),
    Column("Battery", Integer), Column("Signal", Integer), Column("Sent", Integer), Column("Received", Integer),
)

_SCHEMA_FILES = {"sqlite": "sqlite.sql", "postgresql": "pgsql.sql"}


def database_url(url: str) -> str:
    """GAMMU_DATABASE_URL as SQLAlchemy takes it (postgresql:// through psycopg 3, as Lekas's own)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine() -> Engine:
    """The engine for the daemon's database that GAMMU_DATABASE_URL names.

    :raise RuntimeError: when GAMMU_DATABASE_URL is not set.
    """
    url = current_app.config.get("GAMMU_DATABASE_URL")
    if not url:
        raise RuntimeError("SMS_PROVIDER=gammu needs GAMMU_DATABASE_URL (the daemon's SQL database)")
    return engine_for(url)


def schema_file(schema_dir: str, dialect: str) -> str:
    """The daemon's own schema script for `dialect` ("sqlite" or "postgresql") in `schema_dir`.

    :raise RuntimeError: when the directory or the file is missing (gammu-smsd not installed).
    """
    name = _SCHEMA_FILES.get(dialect)
    if name is None:
        raise RuntimeError(f"no gammu-smsd schema for {dialect}; use SQLite or PostgreSQL")
    path = os.path.join(schema_dir, name)
    if not os.path.isfile(path):
        raise RuntimeError(f"{path} is missing: install gammu-smsd (apt-get install gammu-smsd) or set "
                           "GAMMU_SCHEMA_DIR to the folder holding its sqlite.sql and pgsql.sql")
    return path


def create_schema(target: Engine, schema_dir: str) -> bool:
    """Create the daemon's tables in `target` from its schema script, unless they exist; True if created."""
    path = schema_file(schema_dir, target.dialect.name)
    with target.begin() as connection:
        if target.dialect.has_table(connection, "gammu"):
            return False
        with open(path, encoding="utf-8") as fh:
            script = fh.read()
        # PostgreSQL 9 and later have plpgsql built in: the script's CREATE LANGUAGE would fail there.
        script = script.replace("CREATE LANGUAGE plpgsql;", "")
        raw = connection.connection.driver_connection
        # The scripts hold triggers and functions: run whole, as the daemon's manual does (sqlite3 < sqlite.sql).
        if target.dialect.name == "sqlite":
            raw.executescript(script)
        else:
            raw.execute(script)
    return True


def clear(target: Engine) -> None:
    """Empty the daemon's message tables (tests start from nothing); `phones` is the running daemon's."""
    with target.begin() as connection:
        for table in (outbox_multipart, outbox, sentitems, inbox):
            connection.execute(table.delete())



_engines: dict[tuple[int, str], Engine] = {}


def engine_for(url: str) -> Engine:
    """The engine for the daemon's database at `url`, one per process (RQ forks a process per job, and a
    pooled connection must never cross a fork)."""
    key = (os.getpid(), url)
    if key not in _engines:
        _engines[key] = create_engine(database_url(url), pool_pre_ping=True, hide_parameters=True)
    return _engines[key]
