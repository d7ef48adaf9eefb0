"""Database tables of the office: catalog, applications, citizens, messages and the staff side.

Times are stored as naive UTC (SQLite keeps no zone), from office.clock, the one clock every module uses.
"""
from datetime import date
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from extensions import db
from office.clock import utcnow


class Service(db.Model):
    """One service of the office, with its standar pelayanan in both languages."""

    __tablename__ = "services"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Each text field is {"id": ..., "en": ...}; requirements is a list of such dicts.
    name: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[dict] = mapped_column(JSON)
    requirements: Mapped[list] = mapped_column(JSON)
    processing_time: Mapped[dict] = mapped_column(JSON)
    fee: Mapped[dict] = mapped_column(JSON)
    where: Mapped[dict] = mapped_column(JSON)
    issued_by: Mapped[dict] = mapped_column(JSON)
    legal_basis: Mapped[str] = mapped_column(String(120), default="")
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    # The standard in working days, from which a receipt's "come back on" and the overdue flag are counted;
    # 0 for a service finished while the citizen waits.
    processing_days: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised by every console edit (office.catalog_edit); 0 while the service is exactly as data/services.yaml
    # seeded it. An edit names the version it was based on, so a stale form cannot overwrite a newer one.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def text(self, field: str, lang: str) -> str:
        """One bilingual field in `lang`, falling back to Bahasa Indonesia."""
        value = getattr(self, field)
        return value.get(lang) or value["id"]

    def requirement_lines(self, lang: str) -> list[str]:
        """The requirements as plain lines in `lang`."""
        return [item.get(lang) or item["id"] for item in self.requirements]


class ServiceVersion(db.Model):
    """One console change of a service: who, when, and its editable fields whole before and after."""

    __tablename__ = "service_versions"
    __table_args__ = (db.UniqueConstraint("service_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # None before a service created in the console.
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)


class Kelurahan(db.Model):
    __tablename__ = "kelurahan"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    aliases: Mapped[list] = mapped_column(JSON, default=list)


class Citizen(db.Model):
    """A phone number that has talked to the office: its language and its announcement subscription."""

    __tablename__ = "citizens"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    language: Mapped[str] = mapped_column(String(2), default="id")
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"))
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    subscribed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set by STOP, AT's opt-out callback or a blacklist report; nothing is sent while it is set.
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    kelurahan: Mapped["Kelurahan | None"] = relationship()

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None


class Application(db.Model):
    """A citizen's application for a service, followed through its lifecycle."""

    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The requirements ({"id": ..., "en": ...}, copied from the service) the applicant had not brought at
    # intake, so a reprinted receipt says the same even after the catalog's wording changes; None: not asked.
    missing_requirements: Mapped[list | None] = mapped_column(JSON)

    service: Mapped[Service] = relationship()
    kelurahan: Mapped[Kelurahan] = relationship()
    history: Mapped[list["StatusChange"]] = relationship(
        back_populates="application", order_by="StatusChange.id", cascade="all, delete-orphan"
    )


class StatusChange(db.Model):
    __tablename__ = "status_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="history")


class Broadcast(db.Model):
    """An announcement from staff to an audience of subscribers or applicants."""

    __tablename__ = "broadcasts"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    # Deferred: an uploaded list holds up to 100,000 phones, which listing broadcasts must not load.
    audience: Mapped[dict] = mapped_column(JSON, deferred=True)
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    send_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class Message(db.Model):
    """One SMS in or out. Outgoing rows are the outbox: the database, not Redis, says what must be sent."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    phone: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(Integer, default=1)
    encoding: Mapped[str] = mapped_column(String(8), default="GSM-7")
    # See office.outbox for the states an outgoing message moves through.
    status: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # reply | status | checklist | broadcast | reminder | incoming
    priority: Mapped[str] = mapped_column(String(8), default="high")  # high | bulk
    provider_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    # AT's id of an incoming message: the same id delivered twice is stored once.
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    link_id: Mapped[str | None] = mapped_column(String(120))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), index=True)
    # Indexed: without it every delete of a message scans the table to check this foreign key.
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))
    send_after: Mapped[datetime | None] = mapped_column(DateTime)
    # When handing the committed row to the job queue failed (Redis unreachable); see jobs.sweeper.
    enqueue_failed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_messages_status_created", "status", "created_at"),)


class DeliveryReport(db.Model):
    """Every delivery report received, kept so reports that arrive before their send is recorded can be matched."""

    __tablename__ = "delivery_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(20))  # the telco's own word, kept as it came
    # What the telco's word means, as the gateway read it: sent, delivered, failed, or None (no change).
    outcome: Mapped[str | None] = mapped_column(String(12))
    opt_out: Mapped[bool] = mapped_column(Boolean, default=False)  # the telco says the number refuses our SMS
    phone: Mapped[str | None] = mapped_column(String(20))
    network_code: Mapped[str | None] = mapped_column(String(10))
    failure_reason: Mapped[str | None] = mapped_column(String(60))
    matched: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Feedback(db.Model):
    """A suggestion or complaint for the staff inbox."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[str] = mapped_column(String(16))  # saran | aduan | lainnya
    text: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(8))  # sms | ussd | kiosk | web
    # The inbox state (office.inbox.STATES); a column named status keeps the intake's index.
    status: Mapped[str] = mapped_column(String(16), default="baru", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the current state began: the deadline clocks of office.inbox count from it.
    state_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    referred_to: Mapped[str | None] = mapped_column(String(120))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"))


class FeedbackEvent(db.Model):
    """One move of an inbox item (or a reply sent to its citizen): who, when, from which state, why."""

    __tablename__ = "feedback_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReplyTemplate(db.Model):
    """A reply text staff start from when answering a citizen, offered on items in `state`."""

    __tablename__ = "reply_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class QueueGroup(db.Model):
    """A queue of the lobby with its letter (A, B, ...): the services it covers, and how long one takes
    before the office has figures of its own."""

    __tablename__ = "queue_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    letter: Mapped[str] = mapped_column(String(1), unique=True)
    name: Mapped[dict] = mapped_column(JSON)
    picture: Mapped[str] = mapped_column(String(40))
    services: Mapped[list] = mapped_column(JSON, default=list)
    default_minutes: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class QueueCounter(db.Model):
    """A loket: the groups it serves and whether it is open now (and who opened it)."""

    __tablename__ = "queue_counters"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    groups: Mapped[list] = mapped_column(JSON, default=list)  # letters
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None


class QueueTicket(db.Model):
    """A walk-in's place in the lobby queue; numbers restart every office day. office.queue owns its moves.

    A transfer ends the ticket as "transferred" and opens a copy in the new group with the same number and the
    same `queued_at`, so it keeps its place; only original tickets hold a number of their group's sequence.
    """

    __tablename__ = "queue_tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    group_id: Mapped[int] = mapped_column(ForeignKey("queue_groups.id"))
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(8))  # "A012", as printed and called
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="issued")
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="id")
    estimate_minutes: Mapped[int | None] = mapped_column(Integer)  # given at issue time
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("queue_counters.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("queue_tickets.id"))
    calls: Mapped[int] = mapped_column(Integer, default=0)
    notified: Mapped[int] = mapped_column(Integer, default=0)  # near-turn SMS sent (at most two)
    queued_at: Mapped[datetime] = mapped_column(DateTime)  # the place in line, kept through transfers
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    called_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    group: Mapped[QueueGroup] = relationship()
    counter: Mapped[QueueCounter | None] = relationship()

    __table_args__ = (
        # Two kiosks can never hand out the same number: the second insert fails and takes the next one.
        Index("uq_queue_tickets_day_group_seq", "day", "group_id", "seq", unique=True,
              sqlite_where=db.text("transferred_from_id IS NULL"),
              postgresql_where=db.text("transferred_from_id IS NULL")),
        Index("ix_queue_tickets_day_status", "day", "status"),
    )


class StaffUser(UserMixin, db.Model):
    """A console account. office.accounts owns its rules (passwords, lockout); office.roles what it may do."""

    __tablename__ = "staff_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    # Set for the kelurahan role only: the one kelurahan whose applications the account sees.
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"))
    language: Mapped[str] = mapped_column(String(2), default="id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # True while the password is one someone else set: the console asks for a new one first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Part of every session's id: a new one (password change, reset, deactivation) ends all other sessions.
    session_token: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    kelurahan: Mapped["Kelurahan | None"] = relationship()

    def get_id(self) -> str:
        """The session's id of this account: with its token, so a new token ends the old sessions."""
        return f"{self.id}:{self.session_token}"


class ApiKey(db.Model):
    """A partner agency's key. Only a hash is stored; the prefix finds the row without scanning."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What the key may do (office.apikeys.Scope values); None is a key from before scopes: it may do everything.
    scopes: Mapped[list | None] = mapped_column(JSON)
    # Set: the key sees and registers only this kelurahan's applications and their messages.
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"))
    # Uses folded in from Redis by office.apikeys.fold_uses (office.apikeys.usage adds those not folded yet).
    use_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    kelurahan: Mapped[Kelurahan | None] = relationship()


class AuditLog(db.Model):
    """Who did what to which record, with the record before and after; written in the change's transaction."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[dict | None] = mapped_column(JSON)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class UssdSessionEvent(db.Model):
    """AT's end-of-session notification, kept for the dashboard (completion and drop-off)."""

    __tablename__ = "ussd_session_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(120), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    hops: Mapped[int | None] = mapped_column(Integer)
    input: Mapped[str | None] = mapped_column(Text)
    last_response: Mapped[str | None] = mapped_column(Text)
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
