"""Contacts: families offices imported from their lists, waiting to register through the bot."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, exists, func, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from core.text import fold
from storage.beneficiaries import GATHERED, NameContains
from storage.deliveries import UNFINISHED
from storage.models import Beneficiary, Contact, Delivery
from storage.prepared import Prepared
from storage.sealing import key_of

CHUNK = 1000  # values per IN (…): under SQLite's and PostgreSQL's limits on bound parameters


@dataclass(frozen=True)
class KnownContact:
    """One row of an office's list, already checked; with the look-up keys of her national ID and mobile,
    made once (an import of 50,000 asks for them at every check)."""

    national_id: str
    full_name: str
    mobile: str
    office_code: str
    national_id_key: str = field(init=False, repr=False, compare=False)
    mobile_key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "national_id_key", key_of(self.national_id))
        object.__setattr__(self, "mobile_key", key_of(self.mobile))


@dataclass(frozen=True)
class Saved:
    added: int
    updated: int
    already_registered: int


ON_THE_LIST = Contact.removed_at.is_(None)  # not taken off it by her office


def by_mobile(session: Session, mobile: str) -> Contact | None:
    """The family on an office's list with this mobile (not one taken off it)."""
    return session.scalar(select(Contact).where(Contact.mobile_key == key_of(mobile), ON_THE_LIST))


def by_national_id(session: Session, national_id: str) -> Contact | None:
    return session.scalar(select(Contact).where(Contact.national_id_key == key_of(national_id), ON_THE_LIST))


def _chunks(families: Sequence[KnownContact]) -> Iterator[Sequence[KnownContact]]:
    for start in range(0, len(families), CHUNK):
        yield families[start : start + CHUNK]


def registered_among(session: Session, families: Sequence[KnownContact]) -> set[str]:
    """The national IDs of those who already registered (by ID or by mobile): nothing to import for them."""
    registered: set[str] = set()
    for chunk in _chunks(families):
        ids = {family.national_id_key: family.national_id for family in chunk}
        by_mobile = {family.mobile_key: family.national_id for family in chunk}
        found = session.execute(
            select(Beneficiary.national_id_key, Beneficiary.mobile_key).where(
                or_(Beneficiary.national_id_key.in_(list(ids)), Beneficiary.mobile_key.in_(list(by_mobile)))
            )
        ).all()
        registered |= {
            ids[id_key] if id_key in ids else by_mobile[mobile_key] for id_key, mobile_key in found
        }
    return registered


def mobiles_held_by_others(session: Session, families: Sequence[KnownContact]) -> set[str]:
    """The mobiles that another imported family already has (a typo in one of the lists)."""
    held: set[str] = set()
    for chunk in _chunks(families):
        wanted = {family.mobile_key: family for family in chunk}
        rows = session.execute(
            select(Contact.mobile_key, Contact.national_id_key).where(Contact.mobile_key.in_(list(wanted)))
        ).all()
        held |= {
            wanted[mobile_key].mobile
            for mobile_key, holder in rows
            if holder != wanted[mobile_key].national_id_key
        }
    return held


def held_by_other_offices(session: Session, families: Sequence[KnownContact], office_code: str) -> set[str]:
    """The national IDs of the lines whose national ID or mobile is already another office's, imported or
    registered: an office's import never moves, renames or re-numbers another office's family."""
    held: set[str] = set()
    for chunk in _chunks(families):
        ids = {family.national_id_key: family for family in chunk}
        mobiles = {family.mobile_key: family for family in chunk}
        for model in (Contact, Beneficiary):
            rows = session.execute(
                select(model.national_id_key, model.mobile_key).where(
                    or_(model.national_id_key.in_(list(ids)), model.mobile_key.in_(list(mobiles))),
                    model.office_code != office_code,
                )
            ).all()
            for id_key, mobile_key in rows:
                for line in (ids.get(id_key), mobiles.get(mobile_key)):
                    if line is not None:
                        held.add(line.national_id)
    return held


def _existing(session: Session, families: Sequence[KnownContact]) -> dict[str, int]:
    """The contacts already imported with these national IDs: their numbers, by national ID key (their
    sealed columns are not read, nor opened)."""
    existing: dict[str, int] = {}
    for chunk in _chunks(families):
        keys = [family.national_id_key for family in chunk]
        found = select(Contact.national_id_key, Contact.id).where(Contact.national_id_key.in_(keys))
        existing.update((key, number) for key, number in session.execute(found))
    return existing


def plan(session: Session, families: Sequence[KnownContact]) -> Saved:
    """What saving them would do, without saving."""
    registered = registered_among(session, families)
    existing = _existing(session, families)
    updated = sum(1 for f in families if f.national_id not in registered and f.national_id_key in existing)
    return Saved(
        added=sum(1 for f in families if f.national_id not in registered) - updated,
        updated=updated,
        already_registered=len(registered),
    )


def save_all(session: Session, families: Sequence[KnownContact], by: str, now: datetime) -> Saved:
    """Add the new ones and refresh the known ones (a list imported again); skip the registered. Written a
    thousand rows to a statement (an ORM bulk INSERT, and a bulk UPDATE by number), not an object each: what
    the model's validators keep (the look-up keys, the last digits, the folded name) is written here too
    (`_columns`)."""
    registered = registered_among(session, families)
    existing = _existing(session, families)
    added: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    for family in families:
        if family.national_id in registered:
            continue
        number = existing.get(family.national_id_key)
        if number is None:
            added.append(_columns(family, by, now, national_id=True))
        else:
            # On a list sent again: she is on it again, with her name, mobile and office as it has them.
            updated.append({"id": number, **_columns(family, by, now, national_id=False), "removed_at": None})
    for start in range(0, len(added), CHUNK):
        session.execute(insert(Contact), added[start : start + CHUNK])
    for start in range(0, len(updated), CHUNK):
        session.execute(update(Contact), updated[start : start + CHUNK])
    return Saved(added=len(added), updated=len(updated), already_registered=len(registered))


def _columns(family: KnownContact, by: str, now: datetime, *, national_id: bool) -> dict[str, Any]:
    """A contact's columns from the line, with what `Contact`'s validators derive from them."""
    columns: dict[str, Any] = {
        "full_name": family.full_name,
        "name_key": fold(family.full_name)[:200],
        "mobile": family.mobile,
        "mobile_key": family.mobile_key,
        "mobile_tail": family.mobile[-4:],
        "office_code": family.office_code,
        "imported_at": now,
        "imported_by": by,
    }
    if national_id:
        columns.update(
            national_id=family.national_id,
            national_id_key=family.national_id_key,
            national_id_tail=family.national_id[-4:],
        )
    return columns


_FORGET = Prepared(
    delete(Contact).where(
        or_(Contact.national_id_key == bindparam("national_id"), Contact.mobile_key == bindparam("mobile"))
    )
)


def naming(session: Session, national_id: str, mobile: str) -> list[int]:
    """The families of offices' lists (on them or taken off) with this national ID or mobile."""
    return list(
        session.scalars(
            select(Contact.id).where(
                or_(Contact.national_id_key == key_of(national_id), Contact.mobile_key == key_of(mobile))
            )
        ).all()
    )


def forget(session: Session, national_id: str, mobile: str) -> None:
    """She registered, or deleted her data: the offices' copies, with this national ID or mobile, go."""
    if _FORGET.rowcount(session, {"national_id": key_of(national_id), "mobile": key_of(mobile)}):
        for loaded in list(session.identity_map.values()):  # the few objects of one turn
            if isinstance(loaded, Contact):
                known = inspect(loaded).dict  # what is loaded, without reading the (deleted) row again
                if known.get("national_id") == national_id or known.get("mobile") == mobile:
                    session.expunge(loaded)


@dataclass(frozen=True)
class ContactReach:
    mobile: str  # her WhatsApp address
    opted_out: bool


def reach_all(session: Session, contact_ids: Sequence[int]) -> dict[int, ContactReach]:
    """Where to write to imported contacts: WhatsApp at their mobile."""
    if not contact_ids:
        return {}
    rows = session.execute(
        select(Contact.id, Contact.mobile, Contact.opted_out_at).where(Contact.id.in_(list(contact_ids)))
    ).all()
    return {number: ContactReach(mobile, opted_out_at is not None) for number, mobile, opted_out_at in rows}


def set_opted_out(session: Session, mobile: str, since: datetime | None) -> bool:
    """She (not yet registered) sent STOP or START from this mobile; False if it is no contact's."""
    found = by_mobile(session, mobile)
    if found is None:
        return False
    found.opted_out_at = since
    return True


def waiting(
    session: Session, office_code: str | None, offset: int, limit: int
) -> tuple[Sequence[Contact], int]:
    """One page of the families imported and not yet registered (of an office, or all), newest first, and
    how many there are."""
    return _page(session, office_code, [ON_THE_LIST], offset, limit)


def found(
    session: Session,
    office_code: str | None,
    offset: int,
    limit: int,
    *,
    name_key: str | None = None,
    national_id: str | None = None,
    mobile: str | None = None,
) -> tuple[Sequence[Contact], int]:
    """One page of the families on the lists (of an office, or all) found by part of a folded name (spaces
    aside, as registered families are found), a whole national ID or a mobile, and how many there are."""
    conditions: list[ColumnElement[bool]] = [ON_THE_LIST]
    if name_key:  # on a search index of trigrams (migration 0043), as a family's name
        conditions.append(NameContains(name_key.replace(" ", ""), Contact))
    if national_id is not None:
        conditions.append(Contact.national_id_key == key_of(national_id))
    if mobile is not None:
        conditions.append(Contact.mobile_key == key_of(mobile))
    return _page(session, office_code, conditions, offset, limit)


def taken_off(session: Session, office_code: str | None, limit: int) -> Sequence[Contact]:
    """Those her office took off its list (of an office, or all), the latest first."""
    query = select(Contact).where(Contact.removed_at.is_not(None))
    if office_code is not None:
        query = query.where(Contact.office_code == office_code)
    return session.scalars(query.order_by(Contact.removed_at.desc(), Contact.id.desc()).limit(limit)).all()


def _page(
    session: Session, office_code: str | None, conditions: list[ColumnElement[bool]], offset: int, limit: int
) -> tuple[Sequence[Contact], int]:
    query = select(Contact).where(*conditions)
    counting = select(func.count()).select_from(Contact).where(*conditions)
    if office_code is not None:
        query, counting = (
            query.where(Contact.office_code == office_code),
            counting.where(Contact.office_code == office_code),
        )
    total = int(session.scalar(counting) or 0)
    if not total:  # nothing to walk the list for
        return [], 0
    if total <= GATHERED and len(conditions) > 1:
        # Few found by a search: gathered on whatever index finds them (a materialised subquery), then
        # sorted; walking the list newest first for them would read most of the office's list.
        ids = query.with_only_columns(Contact.id).cte("found").prefix_with("MATERIALIZED")
        query = select(Contact).join(ids, ids.c.id == Contact.id)
    page = session.scalars(
        query.order_by(Contact.imported_at.desc(), Contact.id.desc()).offset(offset).limit(limit)
    ).all()
    return page, total


def contact(session: Session, contact_id: int) -> Contact | None:
    return session.get(Contact, contact_id)


def take_off(session: Session, found: Contact, now: datetime | None) -> None:
    """Taken off her office's list (since `now`), or put back on it (None)."""
    found.removed_at = now
    session.flush()


def imported_before(session: Session, before: datetime, limit: int) -> list[int]:
    """Contacts imported (or imported again) before `before`, the oldest first, `limit` at most; not one
    with a message on its way to her (it goes first)."""
    on_its_way = exists().where(Delivery.contact_id == Contact.id, Delivery.status.in_(UNFINISHED))
    old = select(Contact.id).where(Contact.imported_at < before, ~on_its_way).order_by(Contact.imported_at)
    return list(session.scalars(old.limit(limit)))


def forget_all(session: Session, contact_ids: Sequence[int]) -> int:
    """These contacts, and the messages we sent them (where they went, and their outcome), deleted; her
    questions stay, without her. How many contacts."""
    if not contact_ids:
        return 0
    session.execute(delete(Delivery).where(Delivery.contact_id.in_(list(contact_ids))))
    gone = session.execute(delete(Contact).where(Contact.id.in_(list(contact_ids))))
    return int(gone.rowcount)  # type: ignore[attr-defined]
