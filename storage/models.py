"""The tables, as typed SQLAlchemy 2 models. Every change here comes with a migration."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.elements import ColumnElement

from core.domain import DeliveryStatus, Product, Verification
from core.text import fold
from storage.sealing import SealedBytes, SealedJSON, SealedText, key_of


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite keeps no zone, so we store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


def length_of(model: type[Base], column: str) -> int:
    """How many characters a String column holds: PostgreSQL refuses more (SQLite would keep it), so what
    people type is checked against this before it is stored."""
    kind = model.__table__.c[column].type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{model.__name__}.{column} is not a column of limited length")
    return kind.length


def calendar_key() -> str:
    return secrets.token_urlsafe(16)


class Office(Base):
    """A social-security office that families belong to. The list is data (seeded by a migration)."""

    __tablename__ = "offices"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Riyadh")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # How families reach it (admins keep these: `usar offices edit`); empty when not known.
    phone: Mapped[str] = mapped_column(String(20), default="")
    whatsapp: Mapped[str] = mapped_column(String(20), default="")
    address_ar: Mapped[str] = mapped_column(Text, default="")
    address_en: Mapped[str] = mapped_column(Text, default="")
    map_url: Mapped[str] = mapped_column(String(500), default="")
    # Opening hours as data, in the office's zone: [{"days": [6, 0, 1, 2, 3], "opens": "08:00", "closes":
    # "14:00"}], days numbered as Python's (Monday 0 … Sunday 6).
    hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    hours_note_ar: Mapped[str] = mapped_column(Text, default="")
    hours_note_en: Mapped[str] = mapped_column(Text, default="")

    def name(self, language: str) -> str:
        return self.name_ar if language == "ar" else self.name_en


def numbers(national_id: str, mobile: str) -> dict[str, str]:
    """A family's national ID and mobile with what is kept beside them (their look-up keys and last four
    digits), as the columns of `beneficiaries` and `contacts` take them in a bulk insert, which skips the
    models' validators."""
    return {
        "national_id": national_id,
        "national_id_key": key_of(national_id),
        "national_id_tail": national_id[-4:],
        "mobile": mobile,
        "mobile_key": key_of(mobile),
        "mobile_tail": mobile[-4:],
    }


def addressed(address: str) -> dict[str, str]:
    """An address with its look-up key, as `conversations` takes them in a bulk insert."""
    return {"address": address, "address_key": key_of(address)}


# Kept by the migrations alone, outside the models (decision 0120): the search index for part of a name, an
# FTS5 table and its shadow tables on SQLite, a pg_trgm index on PostgreSQL where the extension can be had.
# On SQLite, the offices' numbers that the families' FTS table's rows carry (migration 0042, decision 0122).
OUTSIDE_THE_MODELS = (
    "beneficiary_names",
    "beneficiary_name_offices",
    "ix_beneficiaries_name_trigrams",
    "ix_beneficiaries_office_name_trigrams",
    "contact_names",
    "ix_contacts_name_trigrams",
)


def in_the_models(_item: object, name: str | None, _kind: str, _reflected: bool, _compared: object) -> bool:
    """Whether autogenerate compares a table or index with the models (its `include_object`)."""
    return not (name or "").startswith(OUTSIDE_THE_MODELS)


# The families a list's filter keeps, each with an index of its own (within an office, newest first): few of
# each office's families, so that walking the office's list for them would read the whole office.
FILTERED = {
    "verified": "verified_at IS NOT NULL",
    "correction": "correction_asked_at IS NOT NULL",
    "stopped": "opted_out_at IS NOT NULL",
    "blocked": "blocked_at IS NOT NULL AND opted_out_at IS NULL",
}


class Beneficiary(Base):
    """A productive family, represented by the person who registered it."""

    __tablename__ = "beneficiaries"
    __table_args__ = (
        # Those waiting for their office to verify them, oldest first: counted above the console's list.
        # The console's list, newest first: of every office (admins) and of one office (its staff).
        Index("ix_beneficiaries_newest", "registered_at", "id"),
        Index("ix_beneficiaries_office_newest", "office_code", "registered_at", "id"),
        # Sorted by name (within an office, or by office for admins), and the filters a list is most often
        # narrowed by, within an office: each walked in the list's order, a page read from where the last
        # one ended (decision 0120). Partial: only the families they hold.
        Index("ix_beneficiaries_office_name", "office_code", "name_key", "id"),
        # What a family's product rows name her by, her office with her (BeneficiaryProduct, decision 0122).
        Index("ux_beneficiaries_office", "id", "office_code", unique=True),
        *(
            Index(
                f"ix_beneficiaries_{name}",
                "office_code",
                "registered_at",
                "id",
                sqlite_where=text(where),
                postgresql_where=text(where),
            )
            for name, where in FILTERED.items()
        ),
        Index(
            "ix_beneficiaries_waiting",
            "office_code",
            "registered_at",
            sqlite_where=text("verified_at IS NULL AND correction_asked_at IS NULL"),
            postgresql_where=text("verified_at IS NULL AND correction_asked_at IS NULL"),
        ),
        # A family's number is never given to another once she deletes her data (SQLite would give the
        # highest one again): staff screens, the audit log and exports name families by it.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Sealed at rest (storage.sealing), found by their look-up keys, unique by them too.
    national_id: Mapped[str] = mapped_column("national_id_sealed", SealedText("beneficiaries.national_id"))
    national_id_key: Mapped[str] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    mobile: Mapped[str] = mapped_column("mobile_sealed", SealedText("beneficiaries.mobile"))
    mobile_key: Mapped[str] = mapped_column(String(32), unique=True)
    mobile_tail: Mapped[str] = mapped_column(String(4), index=True, default="")
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), index=True)
    health_certificate: Mapped[bool] = mapped_column(Boolean)
    canteen_interest: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(2))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # no announcements
    # She blocked the bot (or the chat is gone): no announcements until she writes to us again.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When a channel vouched for the mobile (her WhatsApp number, a contact she shared); None if typed.
    mobile_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Her office asked her to correct her registration (why, in the staff's words, which she reads).
    correction_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    correction_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # What staff search by, kept beside what it is made from whenever that changes: her name folded as the
    # bot folds what people type (`core.text.fold`), and the last four digits of her ID (of her mobile
    # above), which stay in clear as a card's do: her ID and mobile themselves are sealed.
    name_key: Mapped[str] = mapped_column(String(200), index=True, default="")
    national_id_tail: Mapped[str] = mapped_column(String(4), index=True, default="")

    office: Mapped[Office] = relationship(lazy="joined")
    # Joined on her number alone (the foreign key is on her number and office): read by it, on the primary
    # key of her products; on both columns, the rows of every family read would be joined to their families
    # again, which SQLite answered from her office's range of (office, product, family), 250,000 rows a
    # family at a million. A new row is given her office by whoever adds it (`beneficiaries.change`).
    product_rows: Mapped[list[BeneficiaryProduct]] = relationship(
        primaryjoin="Beneficiary.id == foreign(BeneficiaryProduct.beneficiary_id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )

    @property
    def products(self) -> list[Product]:
        return sorted((Product(row.product) for row in self.product_rows), key=list(Product).index)

    @validates("full_name")
    def _keep_name_key(self, _: str, full_name: str) -> str:
        self.name_key = fold(full_name)[:200]
        return full_name

    @validates("national_id")
    def _keep_national_id_keys(self, _: str, national_id: str) -> str:
        self.national_id_key, self.national_id_tail = key_of(national_id), national_id[-4:]
        return national_id

    @validates("mobile")
    def _keep_mobile_keys(self, _: str, mobile: str) -> str:
        self.mobile_key, self.mobile_tail = key_of(mobile), mobile[-4:]
        return mobile

    @property
    def verification(self) -> Verification:
        if self.verified_at is not None:
            return Verification.VERIFIED
        return Verification.WAITING if self.correction_asked_at is None else Verification.CORRECTION


ON_THE_LIST = text("removed_at IS NULL")


class Contact(Base):
    """A family an office imported from its own lists (`usar beneficiaries import`), not yet registered:
    when she first writes from this mobile, registration starts with what the office knows and asks
    only the rest and her consent. The row goes when she registers."""

    __tablename__ = "contacts"
    __table_args__ = (
        # Her office's list as staff read it: those on it, newest first (a range of this index in its order;
        # migration 0041), and of every office as admins read it.
        Index(
            "ix_contacts_office_listed",
            "office_code",
            "imported_at",
            "id",
            sqlite_where=ON_THE_LIST,
            postgresql_where=ON_THE_LIST,
        ),
        Index(
            "ix_contacts_listed", "imported_at", "id", sqlite_where=ON_THE_LIST, postgresql_where=ON_THE_LIST
        ),
        # Those taken off it, the latest first.
        Index("ix_contacts_office_code_removed_at", "office_code", "removed_at"),
        # A number never given twice, on SQLite too: the audit log names a contact by it after she is gone
        # (registered, or forgotten a while after her import: `office.retention`).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Sealed, with look-up keys and last digits, as a registered family's (storage.sealing).
    national_id: Mapped[str] = mapped_column("national_id_sealed", SealedText("contacts.national_id"))
    national_id_key: Mapped[str] = mapped_column(String(32), unique=True)
    national_id_tail: Mapped[str] = mapped_column(String(4), default="")
    full_name: Mapped[str] = mapped_column(String(200))
    mobile: Mapped[str] = mapped_column("mobile_sealed", SealedText("contacts.mobile"))
    mobile_key: Mapped[str] = mapped_column(String(32), unique=True)
    mobile_tail: Mapped[str] = mapped_column(String(4), default="")
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str] = mapped_column(String(64))
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # she sent STOP
    # What staff search her by: her name folded (`core.text.fold`), as a registered family's `name_key`.
    name_key: Mapped[str] = mapped_column(String(200), index=True, default="")
    # Taken off the list by her office: not invited, nor recognised when she writes; kept so that staff can
    # put her back (decision 0111). She goes for good when she registers.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @validates("full_name")
    def _keep_name_key(self, _: str, full_name: str) -> str:
        self.name_key = fold(full_name)[:200]
        return full_name

    @validates("national_id")
    def _keep_national_id_keys(self, _: str, national_id: str) -> str:
        self.national_id_key, self.national_id_tail = key_of(national_id), national_id[-4:]
        return national_id

    @validates("mobile")
    def _keep_mobile_keys(self, _: str, mobile: str) -> str:
        self.mobile_key, self.mobile_tail = key_of(mobile), mobile[-4:]
        return mobile


class DataKey(Base):
    """A data key the database has seen (storage.sealing): its number and a fingerprint that opens nothing,
    so that a start with a missing or wrong key is stopped with a clear message."""

    __tablename__ = "data_keys"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BeneficiaryProduct(Base):
    """What one family makes: a row a product, with her office beside it (decision 0122), so that "her
    office's families making this" is one range of an index, however many families of other offices make
    it. The office is the family's, by a foreign key on (family, office) that follows it: when her office
    changes, the database changes her rows here in the same statement, whoever changed it."""

    __tablename__ = "beneficiary_products"
    __table_args__ = (
        ForeignKeyConstraint(
            ["beneficiary_id", "office_code"],
            ["beneficiaries.id", "beneficiaries.office_code"],
            name="fk_beneficiary_products_family",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        Index("ix_beneficiary_products_office", "office_code", "product", "beneficiary_id"),
    )

    beneficiary_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    office_code: Mapped[str] = mapped_column(String(32))


class Conversation(Base):
    """Where one person is in the dialogue on one channel: saved with every turn, in its transaction.

    Read and written by storage.conversations; `version` is its compare-and-set counter, so a save that
    raced another one fails and the turn runs again on fresh state.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        # The drafts of chats linked to no family, by the keys of the numbers they hold, read from the index
        # alone (her data deleted or copied); a staff member's chats by her address's key (migration 0041).
        Index("ix_conversations_drafts", "beneficiary_id", "answers_keys", "channel", "address_key"),
        Index("ix_conversations_address_key", "address_key"),
    )

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    # Her address on the channel (on WhatsApp, her mobile): sealed, and found by its look-up key.
    address_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    address: Mapped[str] = mapped_column("address_sealed", SealedText("conversations.address"))
    beneficiary_id: Mapped[int | None] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="SET NULL"), index=True, default=None
    )
    language: Mapped[str] = mapped_column(String(2))
    flow: Mapped[str | None] = mapped_column(String(32), default=None)
    step: Mapped[str | None] = mapped_column(String(32), default=None)
    # What she has typed so far (her ID and mobile among it, while she registers): sealed.
    answers: Mapped[dict[str, Any]] = mapped_column(SealedJSON("conversations.answers"), default=dict)
    # The look-up keys (`storage.sealing.key_of`) of the numbers her answers hold (an ID, a mobile), each
    # followed by a space: a draft holding a family's is found without opening any (her data deleted, her
    # copy). None: saved before they were kept (migration 0041); such a draft is opened to be read.
    answers_keys: Mapped[str | None] = mapped_column(Text, default=None)
    offered: Mapped[list[Any]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # A digest of her last message's words (never the words): the same again within seconds is sent twice.
    last_said: Mapped[str | None] = mapped_column(String(16), default=None)
    # Her chat shows the "share my number" keyboard (Telegram's stays until a message removes it).
    contact_keyboard: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @validates("address")
    def _keep_address_key(self, _: str, address: str) -> str:
        self.address_key = key_of(address)
        return address


class StaffMember(Base):
    """Someone at an office; rights come from this row, checked on every staff action."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # How she is known: her chat address (the staff chat), her login (the web console), or both.
    address: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    login: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    # As people read it (what admins typed); None for those added before names were kept: her login, then.
    full_name: Mapped[str | None] = mapped_column(String(64), default=None)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)  # argon2; None: none set
    role: Mapped[str] = mapped_column(String(16))
    office_code: Mapped[str | None] = mapped_column(ForeignKey("offices.code"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Removed staff keep their row, so that the audit log can still say who did what; they have no rights.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @hybrid_property
    def name(self) -> str:
        """How the console, the audit log and what she made name her: her full name, else her login, else
        her chat address. The one place staff are named."""
        return self.full_name or self.login or self.address or f"#{self.id}"

    @name.inplace.expression
    @classmethod
    def _name_expression(cls) -> ColumnElement[str]:
        return func.coalesce(cls.full_name, cls.login, cls.address)


class ConsoleSession(Base):
    """A staff member signed in to the web console. The cookie holds a random token; only its SHA-256 is
    kept, so that a copy of the database signs nobody in. Ended by signing out, a new password, or her
    removal; it lapses `console.sessions.LASTS` after sign-in."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="ar")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Upload(Base):
    """A file a staff member sent through the console, checked and waiting for her to confirm it (an
    office's list): kept here, not on one web process's disk, so that any process takes the confirmation.
    Removed once used, or an hour after it came."""

    __tablename__ = "uploads"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)  # random; it names the file in the form
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))  # hers alone to confirm
    name: Mapped[str] = mapped_column(String(200))  # as it was called on her computer
    content: Mapped[bytes] = mapped_column(SealedBytes("uploads.content"))  # every family on it: sealed
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class KnownBrowser(Base):
    """A browser a staff member signed in from: its cookie's token (only the SHA-256 kept) lets her sign in
    there while her office's shared network address is locked by someone else's wrong tries."""

    __tablename__ = "known_browsers"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    last_signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignInFailure(Base):
    """A wrong password (or an unknown login) at the console, from one network address: what slows and then
    locks the next tries. Kept for the lock's length, then removed."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_login", "login", "at"),
        Index("ix_sign_in_failures_from", "remote", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    remote: Mapped[str] = mapped_column(String(64))  # the network address the try came from
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """One office action, recorded once when it is done (`office.audit`): who (a staff member, or the
    operator when `staff_id` is None), for which office, what, on what (by id: never a family's name, ID or
    mobile, so that deleting her data leaves no copy), when, and how it ended."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_office", "office_code", "at"),
        Index("ix_audit_log_staff", "staff_id", "at"),
        Index("ix_audit_log_target", "target", "target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    office_code: Mapped[str | None] = mapped_column(String(32), default=None)
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str] = mapped_column(String(24))  # what kind of thing: family, event, application …
    target_id: Mapped[int | None] = mapped_column(Integer, default=None)
    outcome: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    by_family: Mapped[bool] = mapped_column(Boolean, default=False)  # she did it herself (sent it back)


class DeliveryReport(Base):
    """What the platform reported about a message we sent (Twilio's status callbacks): queued, sent,
    delivered, read, failed, undelivered. Kept as received, one row a report, keyed by its message id."""

    __tablename__ = "delivery_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_message_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(16), default=None)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SeenMessage(Base):
    """A message a platform sent us, by the platform's own id, written in the same transaction as its answer:
    the same message again (a retry, a replay, another web process) is answered once. Kept two days."""

    __tablename__ = "seen_messages"
    __table_args__ = (Index("ix_seen_messages_seen_at", "seen_at"),)

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    # Telegram's update_id; Twilio's MessageSid, or for a status callback MessageSid and status.
    platform_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChannelPace(Base):
    """When a channel's next send may go, shared by every worker that sends on it: each send takes the turn
    that is due and sets the next one a rate's interval later; a platform's "retry after" moves it on."""

    __tablename__ = "channel_paces"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_send_at: Mapped[datetime] = mapped_column(UTCDateTime())


RECIPIENTS = ("beneficiary_id", "contact_id", "thread_id", "staff_id")  # a delivery goes to exactly one
ONE_RECIPIENT = (
    " + ".join(f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)" for column in RECIPIENTS) + " = 1"
)
# A delivery whose outcome is recorded (sent, blocked, needs a template, failed or cancelled): what retention
# may empty. The statuses written out, in this order, in the index and in the query alike
# (`storage.deliveries.empty_old`): both databases prove a partial index's condition only from the query's
# own words.
FINISHED_STATUSES = (
    "("
    + ", ".join(
        f"'{status.value}'"
        for status in DeliveryStatus
        if status not in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    )
    + ")"
)
FINISHED_NOT_EMPTIED = text(f"emptied_at IS NULL AND status IN {FINISHED_STATUSES}")
PENDING = text("status = 'pending'")
ONLY_SOME = [
    (column, text(f"{column} IS NOT NULL"))
    for column in ("contact_id", "thread_id", "staff_id", "provider_message_id")
]
SENDING = text("status = 'sending'")


class Delivery(Base):
    """One message we start, for one family: a row before it is a send.

    (kind, source_id, beneficiary_id) is unique, so enqueuing the same announcement, reminder or decision
    for her twice is a no-op: a job that runs twice cannot send twice.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("kind", "source_id", "beneficiary_id", name="uq_deliveries_once"),
        # The other recipients' "once" keys hold only the rows that have one (most deliveries are a family's).
        *(
            Index(
                f"uq_deliveries_once_{column.removesuffix('_id')}",
                "kind",
                "source_id",
                column,
                unique=True,
                sqlite_where=not_null,
                postgresql_where=not_null,
            )
            for column, not_null in ONLY_SOME[:3]
        ),
        CheckConstraint(ONE_RECIPIENT, name="ck_deliveries_one_recipient"),
        # What a claim reads (decision 0118): the pending deliveries alone, of each kind, in the order they
        # are due; and the claims whose lease may run out. Each holds what waits to go, not what went.
        Index(
            "ix_deliveries_due",
            "kind",
            "next_attempt_at",
            "id",
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        ),
        Index("ix_deliveries_leased", "claimed_until", "id", sqlite_where=SENDING, postgresql_where=SENDING),
        # The recipients and the platforms' ids most rows have not (an announcement has neither a contact, a
        # thread nor a staff member, and no platform id until it is sent): each index holds those that have.
        *(
            Index(f"ix_deliveries_{column}", column, sqlite_where=not_null, postgresql_where=not_null)
            for column, not_null in ONLY_SOME
        ),
        # The dashboard's last days: what it counts, read from the index alone.
        Index("ix_deliveries_made", "created_at", "status", "channel", "beneficiary_id"),
        # What retention still has to empty, oldest outcome first (`office.retention`): the finished alone, so
        # that enqueueing writes nothing into it (decision 0123).
        Index(
            "ix_deliveries_to_empty",
            "updated_at",
            sqlite_where=FINISHED_NOT_EMPTIED,
            postgresql_where=FINISHED_NOT_EMPTIED,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(Integer)
    beneficiary_id: Mapped[int | None] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    # Or, instead of a family, a contact from an office's list (an invitation to register).
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE", name="fk_deliveries_contact_id_contacts")
    )
    # Or a thread's: her office's answer, to the channel and address she wrote from.
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE", name="fk_deliveries_thread_id_threads"),
        default=None,
    )
    # Or a staff member's, in the staff chat (a question unanswered too long).
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE", name="fk_deliveries_staff_id_staff"),
        default=None,
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    # How many times a worker claimed it: each claim's token. Not the attempts, which a postponement gives
    # back: a claim's number is never used again.
    claims: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    # Where it went (on WhatsApp, her mobile): sealed.
    address: Mapped[str | None] = mapped_column(
        "address_sealed", SealedText("deliveries.address"), default=None
    )
    provider_message_id: Mapped[str | None] = mapped_column(String(64), default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime()
    )  # when its outcome was recorded, once finished
    # When what it said (`payload`) and where it went (`address`) were emptied, its outcome kept (retention:
    # `storage.deliveries.EMPTIED`).
    emptied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Announcement(Base):
    """Staff's message to a segment of families (`audience`, see storage.audiences), now or at `send_at`.
    It becomes one delivery per family when its time comes (`enqueued_at`)."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_due", "enqueued_at", "send_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_ar: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text, default=None)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    send_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Event(Base):
    """A training event (the seed's forum): when and where, for whom, how many places.

    `schedule` counts the changes of time or place: reminders are kept per schedule, so a moved event is
    reminded of again at its new time."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_starts_at", "starts_at"),
        UniqueConstraint("calendar_key", name="uq_events_calendar_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title_ar: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200), default=None)
    description_ar: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text, default=None)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue_ar: Mapped[str] = mapped_column(String(300))
    venue_en: Mapped[str | None] = mapped_column(String(300), default=None)
    map_url: Mapped[str | None] = mapped_column(String(500), default=None)
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)  # None: no limit
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)  # whom to invite (storage.audiences)
    invite_at: Mapped[datetime] = mapped_column(UTCDateTime())
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    schedule: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Its calendar file's address (/calendar/<key>.ics) cannot be guessed; events invited before keys existed
    # also keep the address by number that their links carry (`calendar_by_number`).
    calendar_key: Mapped[str] = mapped_column(String(32), default=calendar_key)
    calendar_by_number: Mapped[bool] = mapped_column(Boolean, default=False)

    def title(self, language: str) -> str:
        return (self.title_en if language == "en" else None) or self.title_ar

    def description(self, language: str) -> str:
        return (self.description_en if language == "en" else None) or self.description_ar

    def venue(self, language: str) -> str:
        return (self.venue_en if language == "en" else None) or self.venue_ar


class EventGuest(Base):
    """A family invited to an event, or who answered it: her answer, her place on the waitlist, whether she
    came."""

    __tablename__ = "event_guests"
    __table_args__ = (Index("ix_event_guests_status", "event_id", "status", "waitlisted_at"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    # Her family's office, kept in step with it (`storage.beneficiaries.change`): an office's part of the
    # guests is counted and listed from these rows alone, on the key (event, family), joining no family.
    office_code: Mapped[str] = mapped_column(String(32))
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class EventNotice(Base):
    """One message about an event to its guests — a reminder at an offset before the start, a change of time
    or place, a cancellation —, the source of its deliveries. Unique per event, kind, offset and schedule, so
    a job that runs twice, or after a restart, creates it once."""

    __tablename__ = "event_notices"
    __table_args__ = (
        UniqueConstraint("event_id", "kind", "offset_minutes", "schedule", name="uq_event_notices_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # reminder, change, cancelled, thanks, promoted
    offset_minutes: Mapped[int] = mapped_column(Integer, default=0)
    schedule: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TipTopic(Base):
    """A subject of the food-safety library (keep clean, the danger zone …). Shipped content is loaded from
    locales/data/tips.toml; staff changes live here and survive upgrades."""

    __tablename__ = "tip_topics"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, language: str) -> str:
        return self.name_ar if language == "ar" else self.name_en


class Tip(Base):
    __tablename__ = "tips"
    __table_args__ = (Index("ix_tips_topic", "topic_id", "position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    topic_id: Mapped[str] = mapped_column(ForeignKey("tip_topics.id"))
    text_ar: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))  # the guidance it follows, in English
    source_ar: Mapped[str] = mapped_column(String(300), default="")  # the same, in Arabic
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), default=None
    )  # no longer shown or sent

    def text(self, language: str) -> str:
        return self.text_ar if language == "ar" else self.text_en

    def source_in(self, language: str) -> str:
        return (self.source_ar or self.source) if language == "ar" else self.source


class QuizQuestion(Base):
    __tablename__ = "quiz_questions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    topic_id: Mapped[str] = mapped_column(ForeignKey("tip_topics.id"), index=True)
    question_ar: Mapped[str] = mapped_column(Text)
    question_en: Mapped[str] = mapped_column(Text)
    options_ar: Mapped[list[str]] = mapped_column(JSON)
    options_en: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[int] = mapped_column(Integer)  # 1-based
    explain_ar: Mapped[str] = mapped_column(Text)
    explain_en: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    source_ar: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Service(Base):
    """An entry of "Useful services": help for productive families, and how to reach it."""

    __tablename__ = "services"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    about_ar: Mapped[str] = mapped_column(Text)
    about_en: Mapped[str] = mapped_column(Text)
    how_ar: Mapped[str] = mapped_column(Text)
    how_en: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    offices: Mapped[str] = mapped_column(String(200), default="")  # the codes it serves, spaced; empty: all
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class TipSubscription(Base):
    """She asked for a daily tip at `hour` (Riyadh time); `last_day` is the Riyadh day of the last one."""

    __tablename__ = "tip_subscriptions"

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    last_day: Mapped[date | None] = mapped_column(Date, default=None)


class TipSeen(Base):
    """A tip she has been sent or has read: not sent again until she has seen them all."""

    __tablename__ = "tips_seen"

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    tip_id: Mapped[str] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)


class QuizResult(Base):
    __tablename__ = "quiz_results"
    __table_args__ = (Index("ix_quiz_results_family", "beneficiary_id", "topic_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    topic_id: Mapped[str] = mapped_column(ForeignKey("tip_topics.id"))
    score: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CanteenOpportunity(Base):
    """A school canteen a productive family can run: published by an office, open until its deadline (or
    until staff close it), with a number of places."""

    __tablename__ = "canteen_opportunities"
    __table_args__ = (Index("ix_canteens_open", "closed_at", "deadline"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(16))
    girls: Mapped[bool] = mapped_column(Boolean)  # a girls' school; False: boys'
    district: Mapped[str] = mapped_column(String(200))
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), index=True)
    students: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    requirements: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())  # applications until then
    places: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    def is_open(self, now: datetime) -> bool:
        """Families may apply: before the deadline, and not closed early by its office."""
        return self.closed_at is None and now < self.deadline


class CanteenApplication(Base):
    """One family's application to one opportunity (one at most, whatever she taps twice)."""

    __tablename__ = "canteen_applications"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "beneficiary_id", name="uq_canteen_applications_once"),
        # Her number is never given to another once she deletes her data: the audit log names her by it.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("canteen_opportunities.id", ondelete="CASCADE"))
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, default=None)  # given with a rejection
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)


class CanteenDecision(Base):
    """Each decision staff took on an application, in order (the application holds the one in force): the
    source of the message that told her, so that every change of decision is told, and told once."""

    __tablename__ = "canteen_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("canteen_applications.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Thread(Base):
    """A family's question to her office, with everything said on it since: her messages (text, voice notes,
    photos, documents), her office's answers and its staff's notes. Answers go to the channel and address she
    wrote from. Open until staff close it; she may write more while it is open."""

    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_inbox", "office_code", "status", "waiting_since"),
        # The inbox's closed questions, the latest first (of one office, of every office), its open ones
        # of every office, and the open ones counted by office (migration 0041).
        Index("ix_threads_office_closed", "office_code", "status", "closed_at", "id"),
        Index("ix_threads_by_status", "status", "closed_at", "id"),
        # The questions opened in the last days, for how long they waited for an answer (the dashboard).
        Index("ix_threads_opened", "opened_at"),
        # An office's questions searched by words, the newest first: walked in that order, a common word's
        # first 50 are found without reading the office's every question (migration 0043).
        Index("ix_threads_office_opened", "office_code", "opened_at", "id"),
        Index("ix_threads_hers", "channel", "address_key", "status"),
        # A question's number is never another's: a staff member still on it after she deleted her data
        # must not answer a stranger's question, nor the audit log name it.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    # Who she is: a registered family, an imported one not registered yet, or neither (her address only).
    family_id: Mapped[int | None] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True, default=None
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True, default=None
    )
    channel: Mapped[str] = mapped_column(String(16))
    # The address she wrote from (on WhatsApp, her mobile): sealed, and found by its look-up key.
    address: Mapped[str] = mapped_column("address_sealed", SealedText("threads.address"))
    address_key: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(16), default="other")
    status: Mapped[str] = mapped_column(String(8), default="open")  # "open" or "closed"
    assigned_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Since when her latest messages wait for an answer (None: answered, nothing of hers since).
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The office that passed it here, who there passed it and when: that office still reads it (read-only).
    passed_from: Mapped[str | None] = mapped_column(ForeignKey("offices.code"), index=True, default=None)
    passed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @validates("address")
    def _keep_address_key(self, _: str, address: str) -> str:
        self.address_key = key_of(address)
        return address


A_FILE = text("media_reference IS NOT NULL")


class ThreadMessage(Base):
    """One message on a thread: hers, an answer of her office's, or a note staff leave for each other (which
    she never sees). Media is kept by its platform's reference, never as a file or a public link."""

    __tablename__ = "thread_messages"
    # The files still referenced, for retention to find on closed threads (`office.retention`).
    __table_args__ = (
        Index("ix_thread_messages_files", "thread_id", sqlite_where=A_FILE, postgresql_where=A_FILE),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(8))  # "family", "staff" or "note"
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    media_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    media_reference: Mapped[str | None] = mapped_column(String(500), default=None)
    media_type: Mapped[str] = mapped_column(String(100), default="")
    media_size: Mapped[int | None] = mapped_column(Integer, default=None)
    media_name: Mapped[str] = mapped_column(String(200), default="")
    too_large: Mapped[bool] = mapped_column(Boolean, default=False)
    # An answer that reached her only as WhatsApp's "your office answered" template: shown when she writes.
    unread: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SavedReply(Base):
    """An answer an office's staff give often, in Arabic and in English, kept to insert and edit before
    sending (RapidPro's shortcuts)."""

    __tablename__ = "saved_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    text_ar: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TapTemplate(Base):
    """A content template made once in Twilio for one shape of taps on WhatsApp ("quick-reply-2",
    "list-picker-7"): its SID, with which every message of that shape is sent (the body, titles and ids are
    its variables)."""

    __tablename__ = "tap_templates"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    sid: Mapped[str] = mapped_column(String(34))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
