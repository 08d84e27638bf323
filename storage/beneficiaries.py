"""Beneficiaries: registering a family, finding, reading and forgetting it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    column,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
    tuple_,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from core.domain import Product
from core.text import fold
from storage import audiences, locks
from storage.audiences import Audience
from storage.models import Beneficiary, BeneficiaryProduct, Contact, EventGuest, numbers
from storage.prepared import Prepared
from storage.sealing import key_of

# How a list of families (an event's guests, an opportunity's applicants) names each one and reaches her.
WHO = (Beneficiary.full_name, Beneficiary.national_id, Beneficiary.mobile, Beneficiary.office_code)


class Identifier(StrEnum):
    NATIONAL_ID = "national_id"
    MOBILE = "mobile"


class AlreadyRegistered(Exception):
    def __init__(self, identifier: Identifier) -> None:
        super().__init__(f"{identifier} already registered")
        self.identifier = identifier


@dataclass(frozen=True)
class NewBeneficiary:
    full_name: str
    national_id: str
    mobile: str
    mobile_vouched: bool  # shared from her phone or her WhatsApp number, not typed
    office_code: str
    products: Sequence[Product]
    health_certificate: bool
    canteen_interest: bool
    language: str
    consented_at: datetime


def find_by(session: Session, identifier: Identifier, value: str) -> int | None:
    """The id of the family with this national ID or mobile, if one is registered."""
    return session.scalar(select(Beneficiary.id).where(_LOOKUP[identifier] == key_of(value)))


# Her ID and mobile are sealed (storage.sealing): found by their look-up keys.
_LOOKUP = {Identifier.NATIONAL_ID: Beneficiary.national_id_key, Identifier.MOBILE: Beneficiary.mobile_key}
# Asked as she types her ID and mobile, and written when she registers: statements prepared once
# (`storage.prepared`), since every registration runs them.
_REGISTERED = {
    identifier: Prepared(select(Beneficiary.id).where(column == bindparam("value")).limit(1))
    for identifier, column in _LOOKUP.items()
}
_NEW_FIELDS = (
    "full_name",
    "name_key",
    "national_id",
    "national_id_key",
    "national_id_tail",
    "mobile",
    "mobile_key",
    "mobile_tail",
    "mobile_verified_at",
    "office_code",
    "health_certificate",
    "canteen_interest",
    "language",
    "consented_at",
    "registered_at",
)
_ADD = Prepared(insert(Beneficiary).values({name: bindparam(name) for name in _NEW_FIELDS}))
_ADD_PRODUCT = Prepared(
    insert(BeneficiaryProduct).values(
        beneficiary_id=bindparam("family"), product=bindparam("product"), office_code=bindparam("office")
    )
)
_REACHABLE_AGAIN = Prepared(
    update(Beneficiary)
    .where(Beneficiary.id == bindparam("family"), Beneficiary.blocked_at.is_not(None))
    .values(blocked_at=None)
)


def is_registered(session: Session, identifier: Identifier, value: str) -> bool:
    return _REGISTERED[identifier].first(session, {"value": key_of(value)}) is not None


def register(session: Session, new: NewBeneficiary, now: datetime) -> int:
    """Add the family, and give its id; raise AlreadyRegistered if its national ID or mobile is someone's
    already.

    The unique constraints are the last word when two registrations race; this check gives the
    friendly answer in the common case.
    """
    for identifier, value in ((Identifier.NATIONAL_ID, new.national_id), (Identifier.MOBILE, new.mobile)):
        if is_registered(session, identifier, value):
            raise AlreadyRegistered(identifier)
    family = _ADD.new_id(
        session,
        {
            "full_name": new.full_name,
            "name_key": fold(new.full_name)[:200],
            **numbers(new.national_id, new.mobile),
            "mobile_verified_at": now if new.mobile_vouched else None,
            "office_code": new.office_code,
            "health_certificate": new.health_certificate,
            "canteen_interest": new.canteen_interest,
            "language": new.language,
            "consented_at": new.consented_at,
            "registered_at": now,
        },
    )
    _ADD_PRODUCT.many(
        session,
        [{"family": family, "product": product.value, "office": new.office_code} for product in new.products],
    )
    return family


_OFFICE_OF = Prepared(select(Beneficiary.office_code).where(Beneficiary.id == bindparam("family")))


def office_of(session: Session, beneficiary_id: int) -> str | None:
    """Her office's code (read on menu screens, so prepared once, without loading her whole row)."""
    found = _OFFICE_OF.scalar(session, {"family": beneficiary_id})
    return str(found) if found is not None else None


def beneficiary(session: Session, beneficiary_id: int) -> Beneficiary | None:
    """Her registration, read once a session: the session keeps only weak references to what it loaded, so
    a screen that asks for her row again would read it (and her products) again."""
    found = session.get(Beneficiary, beneficiary_id)
    if found is not None:
        session.info.setdefault("families read", {})[beneficiary_id] = found
    return found


def locked(session: Session, beneficiary_id: int) -> Beneficiary | None:
    """Her registration as it is now, locked until the transaction ends: what a change to it is decided on
    (staff verifying while she changes her details, or deletes them)."""
    return locks.row(session, Beneficiary, beneficiary_id)


def set_language(session: Session, beneficiary_id: int, language: str) -> None:
    found = session.get(Beneficiary, beneficiary_id)
    if found is not None:
        found.language = language


def mark_mobile_verified(session: Session, beneficiary_id: int, now: datetime) -> None:
    found = session.get(Beneficiary, beneficiary_id)
    if found is not None and found.mobile_verified_at is None:
        found.mobile_verified_at = now


def set_blocked(session: Session, beneficiary_id: int, since: datetime | None) -> None:
    """She blocked us (since a time), or she wrote again (None)."""
    session.execute(update(Beneficiary).where(Beneficiary.id == beneficiary_id).values(blocked_at=since))


def reachable_again(session: Session, beneficiary_id: int) -> None:
    """She wrote: clear her family's "blocked" mark, if it has one."""
    if _REACHABLE_AGAIN.rowcount(session, {"family": beneficiary_id}):
        loaded = session.identity_map.get(session.identity_key(Beneficiary, beneficiary_id))
        if loaded is not None:
            session.expire(loaded, ["blocked_at"])  # read again from the row if asked


def waiting_count(session: Session, office_code: str | None, cap: int) -> int:
    """How many registrations wait for their office to verify them (of one office, or all), counted up to
    `cap`: past it the exact number says nothing more, and counting costs."""
    waiting = select(Beneficiary.id).where(
        Beneficiary.verified_at.is_(None), Beneficiary.correction_asked_at.is_(None)
    )
    if office_code is not None:
        waiting = waiting.where(Beneficiary.office_code == office_code)
    return session.scalar(select(func.count()).select_from(waiting.limit(cap).subquery())) or 0


def pending(session: Session, office_code: str | None, limit: int) -> Sequence[Beneficiary]:
    """Registrations waiting for their office to verify them, oldest first (of one office, or all); not
    those the office asked to be corrected: they wait for her."""
    query = (
        select(Beneficiary)
        .where(Beneficiary.verified_at.is_(None), Beneficiary.correction_asked_at.is_(None))
        .order_by(Beneficiary.registered_at)
    )
    if office_code is not None:
        query = query.where(Beneficiary.office_code == office_code)
    return session.scalars(query.limit(limit)).all()


def verify(session: Session, family: Beneficiary, now: datetime) -> None:
    """Her office checked her registration (canteen eligibility needs it)."""
    family.verified_at = now
    family.correction_asked_at = family.correction_reason = None
    session.flush()


def ask_correction(session: Session, family: Beneficiary, reason: str, now: datetime) -> None:
    family.verified_at = None
    family.correction_asked_at, family.correction_reason = now, reason
    session.flush()


def back_to_waiting(session: Session, family: Beneficiary) -> None:
    """Un-verified, or corrected by her: her office checks it again."""
    family.verified_at = family.correction_asked_at = family.correction_reason = None
    session.flush()


@dataclass(frozen=True)
class OwnChanges:
    """What she may change herself (her national ID is her office's to correct)."""

    full_name: str
    mobile: str
    mobile_vouched: bool  # her WhatsApp number, or a contact she shared: not typed
    office_code: str
    products: Sequence[Product]
    health_certificate: bool
    canteen_interest: bool


def change(session: Session, family: Beneficiary, changes: OwnChanges, now: datetime) -> list[str]:
    """Her details as she changed them; the names of those that changed."""
    changed = [
        name
        for name in ("full_name", "mobile", "office_code", "health_certificate", "canteen_interest")
        if getattr(family, name) != getattr(changes, name)
    ]
    if set(family.products) != set(changes.products):
        changed.append("products")
    if "mobile" in changed or (changes.mobile_vouched and family.mobile_verified_at is None):
        family.mobile_verified_at = now if changes.mobile_vouched else None
    family.full_name, family.mobile, family.office_code = (
        changes.full_name,
        changes.mobile,
        changes.office_code,
    )
    family.health_certificate, family.canteen_interest = changes.health_certificate, changes.canteen_interest
    if "office_code" in changed:  # her invitations are counted for her new office
        session.execute(
            update(EventGuest)
            .where(EventGuest.beneficiary_id == family.id)
            .values(office_code=changes.office_code)
        )
    # Rows kept where the product stays (one row per family and product); their office follows hers, by the
    # database (the foreign key's ON UPDATE CASCADE, her row written first), and new ones are given hers.
    if "products" in changed:
        wanted = {product.value for product in changes.products}
        family.product_rows = [row for row in family.product_rows if row.product in wanted] + [
            BeneficiaryProduct(product=value, office_code=changes.office_code)
            for value in sorted(wanted - {row.product for row in family.product_rows})
        ]
    session.flush()
    session.refresh(family, ["office"])
    return changed


def correct(session: Session, family: Beneficiary, full_name: str, mobile: str) -> list[str]:
    """Her name and mobile as her office corrected them (her name's search key follows it); the names of
    those that changed. A new mobile was typed by staff: no channel vouched for it."""
    wanted = {"full_name": full_name, "mobile": mobile}
    changed = [name for name, value in wanted.items() if getattr(family, name) != value]
    if "full_name" in changed:
        family.full_name = full_name
    if "mobile" in changed:
        family.mobile, family.mobile_verified_at = mobile, None
    session.flush()
    return changed


def set_national_id(session: Session, family: Beneficiary, national_id: str) -> None:
    family.national_id = national_id
    session.flush()


def set_opted_out(session: Session, beneficiary_id: int, since: datetime | None) -> None:
    """Stop (since a time) or resume (None) the announcements, tips and invitations to trainings she
    receives."""
    found = session.get(Beneficiary, beneficiary_id)
    if found is not None:
        found.opted_out_at = since


def all_beneficiaries(
    session: Session, office_code: str | None = None, batch: int = 500
) -> Iterator[Beneficiary]:
    """Every family (of one office, or of all), oldest first, fetched in batches so an export never holds
    them all."""
    last_id = 0
    query = select(Beneficiary).order_by(Beneficiary.id).limit(batch)
    if office_code is not None:
        query = query.where(Beneficiary.office_code == office_code)
    while True:
        rows = session.scalars(query.where(Beneficiary.id > last_id)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


@dataclass(frozen=True)
class OfficeCount:
    office_code: str
    registered: int
    verified: int
    correction: int  # asked to correct their registration


def counts_by_office(session: Session, office_code: str | None = None) -> list[OfficeCount]:
    """How many families each office has, how many of them it verified and how many it asked to correct
    their registration (one office, or all)."""
    query = (
        select(
            Beneficiary.office_code,
            func.count(),
            func.count(Beneficiary.verified_at),
            func.count(Beneficiary.correction_asked_at),
        )
        .group_by(Beneficiary.office_code)
        .order_by(Beneficiary.office_code)
    )
    if office_code is not None:
        query = query.where(Beneficiary.office_code == office_code)
    return [OfficeCount(*row) for row in session.execute(query)]


def by_mobile(session: Session, mobile: str) -> Beneficiary | None:
    return session.scalar(select(Beneficiary).where(Beneficiary.mobile_key == key_of(mobile)))


class Reach(StrEnum):
    """Whether announcements reach her."""

    REACHED = "reached"
    STOPPED = "stopped"  # she sent STOP
    BLOCKED = "blocked"  # she blocked the bot (or her chat is gone)


class Order(StrEnum):
    NEWEST = "newest"  # registered most recently first
    OLDEST = "oldest"
    NAME = "name"
    OFFICE = "office"


@dataclass(frozen=True)
class Search:
    """Which families a staff list shows: a segment (as audiences are made), what she typed, their reach."""

    segment: Audience = field(default_factory=Audience)
    name_key: str | None = None  # part of the folded name
    national_id_tail: str | None = None  # the last four digits of the ID
    national_id: str | None = None
    mobile: str | None = None
    reach: Reach | None = None
    correction: bool | None = None  # True: only those her office asked to correct it; False: none of them
    order: Order = Order.NEWEST


_ORDERS = {
    Order.NEWEST: (Beneficiary.registered_at.desc(), Beneficiary.id.desc()),
    Order.OLDEST: (Beneficiary.registered_at, Beneficiary.id),
    Order.NAME: (Beneficiary.name_key, Beneficiary.id),
    Order.OFFICE: (Beneficiary.office_code, Beneficiary.name_key, Beneficiary.id),
}
# Each order's columns and whether it is descending: a page starts where the last one ended (its last row's
# values of them, compared as one row value), read on an index of the same columns (decision 0120).
_KEYS: dict[Order, tuple[tuple[InstrumentedAttribute[Any], ...], bool]] = {
    Order.NEWEST: ((Beneficiary.registered_at, Beneficiary.id), True),
    Order.OLDEST: ((Beneficiary.registered_at, Beneficiary.id), False),
    Order.NAME: ((Beneficiary.name_key, Beneficiary.id), False),
    Order.OFFICE: ((Beneficiary.office_code, Beneficiary.name_key, Beneficiary.id), False),
}
SHORTEST_INDEXED = 3  # a search index of trigrams finds parts of a name this long or longer


Named = type[Beneficiary] | type[Contact]  # the tables searched by part of a name


class NameContains(ColumnElement[bool]):
    """Her folded name, spaces removed, contains `wanted` (spaces removed too): a registered family's (`of`
    Beneficiary) or one on an office's list (Contact). Written for each database (below): on SQLite, through
    the table's FTS5 table of trigrams, from 3 characters, for a family in her office's range of it where the
    search is within one office (decision 0122); elsewhere, a LIKE that PostgreSQL's pg_trgm index serves,
    where the migration could create it: within one office, on her office and name together (migration
    0045), else on her name."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy reads it as an instance attribute)
        ("unindexed", InternalTraversal.dp_clauseelement),
        ("indexed", InternalTraversal.dp_clauseelement),
        ("in_office", InternalTraversal.dp_clauseelement),
    ]

    def __init__(
        self, wanted: str, of: Named = Beneficiary, *, office: str | None = None, walked: bool = False
    ) -> None:
        """`office`: the one office searched, if one (families). `walked`: checked on each family a page
        walks in the list's order, the search known to find many (more than GATHERED): a LIKE on SQLite too,
        where every match of the FTS table would be read first."""
        escaped = _escaped(wanted)
        compact = func.replace(of.name_key, literal_column("' '"), literal_column("''"))
        self.unindexed = compact.like(f"%{escaped}%", escape="\\")
        # PostgreSQL, one office's families: the expression of migration 0045's index, her office first.
        self.in_office = (
            (of.office_code + literal_column("':'") + compact).like(
                f"{_escaped(office)}:%{escaped}%", escape="\\"
            )
            if of is Beneficiary and office is not None and len(wanted) >= SHORTEST_INDEXED and not walked
            else self.unindexed
        )
        self.indexed = (
            (
                Beneficiary.id.in_(select(_family_of_name()).where(*_names_matching(wanted, office)))
                if of is Beneficiary
                else of.id.in_(select(_CONTACT_NAMES.c.rowid).where(_matching("contact_names", wanted)))
            )
            if len(wanted) >= SHORTEST_INDEXED and not walked
            else self.unindexed
        )


def _escaped(typed: str) -> str:
    """`typed` in a LIKE pattern, matched as it is (with ESCAPE '\\')."""
    return typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# SQLite: the FTS tables of names. An office's list's (migration 0043): a row's number is the contact's.
_CONTACT_NAMES = table("contact_names", column("rowid", Integer))
# The families' (migration 0042). A row's number is her office's number times 2^40 plus her
# family's number: FTS5 keeps each trigram's rows in that order, so one office's names are one range of it.
_NAMES = table("beneficiary_names", column("rowid", Integer))
_NAMES_OFFICES = table("beneficiary_name_offices", column("number", Integer), column("code", String))
_OFFICE_SHIFT = 40
_FAMILY_BITS = (1 << _OFFICE_SHIFT) - 1


def _family_of_name() -> ColumnElement[int]:
    """The family's number in a row of the FTS table of names."""
    return _NAMES.c.rowid.op("&", return_type=Integer)(_FAMILY_BITS)


def _names_matching(wanted: str, office: str | None) -> list[ColumnElement[bool]]:
    """SQLite: the FTS table's names that contain `wanted` (one phrase: a substring, as LIKE finds); of one
    office's families, if `office` is given (the range of its number; none if no family ever named it)."""
    found = [_matching("beneficiary_names", wanted)]
    if office is not None:
        number = select(_NAMES_OFFICES.c.number).where(_NAMES_OFFICES.c.code == office).scalar_subquery()
        first = number.op("<<", return_type=Integer)(_OFFICE_SHIFT)
        found += [_NAMES.c.rowid >= first, _NAMES.c.rowid <= first.op("|", return_type=Integer)(_FAMILY_BITS)]
    return found


def _matching(names: str, wanted: str) -> ColumnElement[bool]:
    """SQLite: the rows of the FTS table `names` whose name contains `wanted`, matched as one string."""
    phrase = '"' + wanted.replace('"', '""') + '"'
    return literal_column(names).op("MATCH")(phrase)


@compiles(NameContains)
def _name_contains(element: NameContains, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.unindexed, **kw)


@compiles(NameContains, "postgresql")
def _name_contains_on_postgresql(element: NameContains, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.in_office, **kw)


@compiles(NameContains, "sqlite")
def _name_contains_on_sqlite(element: NameContains, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.indexed, **kw)


def _compact(name_key: str) -> str:
    """Spaces aside: «عبد الله» is written «عبدالله» as often, and a name is found either way."""
    return name_key.replace(" ", "")


def _found(search: Search, *, walked: bool = False) -> list[ColumnElement[bool]]:
    conditions = audiences.segment(search.segment, walked=walked)
    if search.name_key:
        wanted = _compact(search.name_key)
        conditions.append(NameContains(wanted, office=_one_office(search), walked=walked))
    if search.national_id_tail is not None:
        conditions.append(Beneficiary.national_id_tail == search.national_id_tail)
    if search.national_id is not None:
        conditions.append(Beneficiary.national_id_key == key_of(search.national_id))
    if search.mobile is not None:
        conditions.append(Beneficiary.mobile_key == key_of(search.mobile))
    if search.correction is True:
        conditions.append(Beneficiary.correction_asked_at.is_not(None))
    elif search.correction is False:
        conditions.append(Beneficiary.correction_asked_at.is_(None))
    if search.reach is Reach.STOPPED:
        conditions.append(Beneficiary.opted_out_at.is_not(None))
    elif search.reach is Reach.BLOCKED:
        conditions.append(and_(Beneficiary.blocked_at.is_not(None), Beneficiary.opted_out_at.is_(None)))
    elif search.reach is Reach.REACHED:
        conditions.append(and_(Beneficiary.blocked_at.is_(None), Beneficiary.opted_out_at.is_(None)))
    return conditions


def _one_office(search: Search) -> str | None:
    """The office searched, if the search is within one."""
    offices = search.segment.offices
    return offices[0] if len(offices) == 1 else None


def every_found(session: Session, found: Search, batch: int = 500) -> Iterator[Beneficiary]:
    """Every family found, in the list's order, read in batches that each start after the last one's sort
    values (keyset, never an offset, as the list's pages do): an export of a million families holds one batch
    at a time, and each batch is a range of the order's index. Registration times and numbers never change,
    so in the list's usual orders (newest, oldest) a family changed meanwhile neither moves nor repeats."""
    columns = _KEYS[found.order][0]
    key: tuple[Any, ...] | None = None
    # Many found: each batch walks the list's order, checking each family (reading every match of an index
    # first, once a batch, would cost more than the batch); few: found on their index.
    many = int(session.scalar(counting(found, session.get_bind().dialect.name)) or 0) > GATHERED
    while True:
        rows = session.scalars(page_query(found, batch, key, many=many)).all()
        yield from rows
        if len(rows) < batch:
            return
        key = tuple(getattr(rows[-1], column.key) for column in columns)
        session.expunge_all()


COUNTED = 1_000  # a list's families are counted exactly up to this many; past it, "more than 1,000"


@dataclass(frozen=True)
class Found:
    """One page of the families found: whether others come before and after it, and how many were found
    (counted up to COUNTED + 1: more than COUNTED says "more than 1,000")."""

    families: Sequence[Beneficiary]
    total: int
    earlier: bool  # families before the first of this page
    later: bool  # families after the last of this page
    restarted: bool = False  # asked to start from a family no longer in the list: its first page instead

    @property
    def more_than_counted(self) -> bool:
        return self.total > COUNTED


def search(
    session: Session,
    found: Search,
    limit: int,
    *,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
) -> Found:
    """A page of the families found, in the search's order: the first; the one after the family numbered
    `after`, or before the family numbered `before`, where she stands in that order; or the last. A family
    that is no longer there (deleted, or of another office) is no place to start from: the first page."""
    start = after if after is not None else before
    key = _key_of(session, found, start) if start is not None else None
    backwards = (before is not None and key is not None) or (last and key is None)
    total = int(session.scalar(counting(found, session.get_bind().dialect.name)) or 0)
    # Few found among many: gathered, then sorted (walking the list's order for them would read the office).
    gathered = total <= GATHERED and _narrowed(found)
    query = page_query(found, limit + 1, key, backwards, gathered=gathered, many=total > GATHERED)
    rows = list(session.scalars(query)) if total else []
    beyond = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    earlier, later = (beyond, key is not None) if backwards else (key is not None, beyond)
    return Found(rows, total, earlier, later, restarted=start is not None and key is None)


GATHERED = COUNTED  # a search that finds this many families or fewer reads them all, then sorts them


def _narrowed(found: Search) -> bool:
    """Whether the search asks more than the families of some offices (which their list's index holds)."""
    return replace(found, order=Order.NEWEST) != Search(Audience(offices=found.segment.offices))


def page_query(
    found: Search,
    limit: int,
    key: tuple[Any, ...] | None = None,
    backwards: bool = False,
    *,
    gathered: bool = False,
    many: bool = False,
) -> Select[Beneficiary]:
    """The families found, in the search's order (or the other way, `backwards`), after those whose sort
    values are `key` (its order's columns, as `_KEYS` says): a page's query. Walked along the index of the
    list's order; or, `gathered`, found first on whatever index finds them (a materialised subquery: the
    planner can't walk the order's index instead), then sorted. `many`: the search is known to find more
    than GATHERED, so the page's families come soon on the list's order, each checked as it is walked (a
    product by her own rows, part of a name on SQLite by a LIKE), not every match of an index read first."""
    conditions = _found(found, walked=many)
    columns, descending = _KEYS[found.order]
    if key is not None:
        starts_at = tuple_(*(literal(value, c.type) for value, c in zip(key, columns, strict=True)))
        rows_value = tuple_(*columns)
        conditions.append(rows_value < starts_at if descending != backwards else rows_value > starts_at)
    order = [column.desc() if descending != backwards else column.asc() for column in columns]
    if gathered:
        ids = select(Beneficiary.id).where(*conditions).cte("found").prefix_with("MATERIALIZED")
        return select(Beneficiary).join(ids, ids.c.id == Beneficiary.id).order_by(*order).limit(limit)
    return select(Beneficiary).where(*conditions).order_by(*order).limit(limit)


def counting(found: Search, dialect: str) -> Select[int]:
    """The count of the families found (`count_query`), as each database counts it soonest: part of a name
    lazily on PostgreSQL, streamed from the FTS table on SQLite."""
    by_trigrams = len(_compact(found.name_key or "")) >= SHORTEST_INDEXED
    return count_query(
        found, lazily=by_trigrams and dialect == "postgresql", streamed=by_trigrams and dialect == "sqlite"
    )


def count_query(found: Search, *, lazily: bool = False, streamed: bool = False) -> Select[int]:
    """How many families are found, counted up to COUNTED + 1. `lazily` (PostgreSQL, part of a name): the
    families found in a materialised subquery, which PostgreSQL reads only as far as the count asks, planned
    for finding them all (on the trigram index), where a LIMIT inside would have it walk an index in name
    order hoping to meet 1,001 of them soon (names sharing a part sit together there); SQLite would find
    them all first. `streamed` (SQLite, part of a name of 3 letters or more): the FTS table's matches joined
    to their families, read one after the other and left at the 1,001st of her office (an `IN` of them
    would read every match, of every office, first)."""
    if streamed and found.name_key:
        names = _NAMES.join(Beneficiary, Beneficiary.id == _family_of_name())
        others = _found(replace(found, name_key=None))
        wanted = _names_matching(_compact(found.name_key), _one_office(found))
        matched = select(Beneficiary.id).select_from(names).where(*wanted, *others)
        return select(func.count()).select_from(matched.limit(COUNTED + 1).subquery())
    segment = found.segment
    if segment.products and segment.offices:
        return _count_making(found)
    if lazily:
        every = select(Beneficiary.id).where(*_found(found)).cte("found").prefix_with("MATERIALIZED")
        counted = select(every.c.id).limit(COUNTED + 1).subquery()
    else:
        counted = select(Beneficiary.id).where(*_found(found)).limit(COUNTED + 1).subquery()
    return select(func.count()).select_from(counted)


def _count_making(found: Search) -> Select[int]:
    """How many families of some offices making some products are found, counted up to COUNTED + 1: the
    offices' range of the index of (office, product, family) joined to their families and left at the
    1,001st found (decision 0122). An `IN` of that range would read it whole first (a quarter of a million
    families at 1,000,000 when half of an office makes it); walking the offices' families to check each, all
    of them when none does."""
    segment = found.segment
    others = _found(replace(found, segment=replace(segment, products=())))
    product = BeneficiaryProduct
    made = product.__table__.join(Beneficiary, Beneficiary.id == product.beneficiary_id)
    making = product.office_code.in_(segment.offices), product.product.in_(segment.products)
    matched = select(Beneficiary.id).select_from(made).where(*making, *others)
    if len(segment.products) > 1:
        matched = matched.distinct()  # a family making two of them, counted once
    return select(func.count()).select_from(matched.limit(COUNTED + 1).subquery())


def _key_of(session: Session, found: Search, family_id: int) -> tuple[Any, ...] | None:
    """The values the search's order sorts the family numbered `family_id` by, if she is in the offices it
    searches."""
    query = select(*_KEYS[found.order][0]).where(Beneficiary.id == family_id)
    if found.segment.offices:
        query = query.where(Beneficiary.office_code.in_(found.segment.offices))
    row = session.execute(query).first()
    return tuple(row) if row is not None else None
