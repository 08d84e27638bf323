"""Threads: a family's questions to her office and what is said on them. Rights, wording and the outbox are
the office actions' (`office.threads`); this module reads and writes rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from core.channel import Media
from storage.conversations import ChatReach
from storage.db import added
from storage.models import (
    Beneficiary,
    Contact,
    Conversation,
    SavedReply,
    StaffMember,
    Thread,
    ThreadMessage,
)
from storage.prepared import Prepared
from storage.sealing import key_of

OPEN, CLOSED = "open", "closed"
FAMILY, STAFF, NOTE = "family", "staff", "note"


@dataclass(frozen=True)
class NewThread:
    office_code: str
    channel: str
    address: str
    topic: str
    family_id: int | None = None
    contact_id: int | None = None


def open_thread_at(session: Session, channel: str, address: str) -> Thread | None:
    """Her open thread, on the channel and address she writes from (the newest, should there be two)."""
    return session.scalars(
        select(Thread)
        .where(Thread.channel == channel, Thread.address_key == key_of(address), Thread.status == OPEN)
        .order_by(Thread.id.desc())
        .limit(1)
    ).first()


# Whether she has an open thread her office answered, on this chat: asked of every message no screen
# understood, so prepared once (`storage.prepared`).
_ANSWERED_OPEN = Prepared(
    select(Thread.id)
    .where(
        Thread.channel == bindparam("channel"),
        Thread.address_key == bindparam("address"),
        Thread.status == OPEN,
        select(ThreadMessage.id)
        .where(ThreadMessage.thread_id == Thread.id, ThreadMessage.author == STAFF)
        .exists(),
    )
    .limit(1)
)


_OPEN_OFFICE = Prepared(
    select(Thread.office_code)
    .where(
        Thread.channel == bindparam("channel"),
        Thread.address_key == bindparam("address"),
        Thread.status == OPEN,
    )
    .order_by(Thread.id.desc())
    .limit(1)
)


def open_office_at(session: Session, channel: str, address: str) -> str | None:
    """The office of her open thread on this chat, if she has one (asked each time her words are offered)."""
    found = _OPEN_OFFICE.scalar(session, {"channel": channel, "address": key_of(address)})
    return str(found) if found is not None else None


def answered_open(session: Session, channel: str, address: str) -> bool:
    """Whether her open thread on this chat has an answer from her office."""
    return _ANSWERED_OPEN.first(session, {"channel": channel, "address": key_of(address)}) is not None


def start(session: Session, new: NewThread, now: datetime) -> Thread:
    return added(session, Thread(**vars(new), status=OPEN, opened_at=now))


def add(
    session: Session,
    thread: Thread,
    author: str,
    now: datetime,
    text: str = "",
    media: Media | None = None,
    staff_id: int | None = None,
) -> ThreadMessage:
    """One message on the thread; hers makes it wait for an answer (from her first one not answered)."""
    message = ThreadMessage(thread_id=thread.id, author=author, staff_id=staff_id, text=text, at=now)
    if media is not None:  # within the columns, whatever a platform sent
        message.media_kind, message.media_reference = media.kind[:16], media.reference[:500]
        message.media_type, message.media_size = media.content_type[:100], media.size
        message.media_name, message.too_large = media.name[:200], media.too_large
    session.add(message)
    if author == FAMILY and thread.waiting_since is None:
        thread.waiting_since = now
    elif author == STAFF:
        thread.waiting_since = None
        thread.reminded_at = None
        if thread.first_answered_at is None:
            thread.first_answered_at = now
    session.flush()
    return message


def thread(session: Session, thread_id: int) -> Thread | None:
    return session.get(Thread, thread_id)


def locked(session: Session, thread_id: int) -> Thread | None:
    """The thread, its row locked until the transaction ends (two staff answering at once take turns)."""
    return session.scalars(select(Thread).where(Thread.id == thread_id).with_for_update()).first()


def messages(session: Session, thread_id: int) -> Sequence[ThreadMessage]:
    return session.scalars(
        select(ThreadMessage).where(ThreadMessage.thread_id == thread_id).order_by(ThreadMessage.id)
    ).all()


def message(session: Session, message_id: int) -> ThreadMessage | None:
    return session.get(ThreadMessage, message_id)


@dataclass(frozen=True)
class Listed:
    """A thread as the inbox lists it: who she is, where it stands, and her latest words."""

    thread: Thread
    name: str  # her name, from her registration or her office's list; "" if neither
    messages: int  # hers
    last_text: str  # the words of her latest message ("" for a file alone)
    last_media: str | None  # the kind of its file, if it has one
    assigned_to: str | None  # the staff member who took it


MINE, UNASSIGNED, ALL, PASSED = "mine", "unassigned", "all", "passed"


def inbox(
    session: Session,
    office_code: str | None,
    status: str | None = OPEN,
    topic: str | None = None,
    limit: int = 100,
    whose: str = ALL,
    staff_id: int | None = None,
    words: str = "",
) -> list[Listed]:
    """Threads of an office (or all), those waiting longest first, then the others by when they opened
    (`inbox_query`); at most `limit`."""
    query = inbox_query(office_code, status, topic, whose, staff_id, words)
    return _listed(session, session.scalars(query.limit(limit)).all())


def inbox_query(
    office_code: str | None,
    status: str | None = OPEN,
    topic: str | None = None,
    whose: str = ALL,
    staff_id: int | None = None,
    words: str = "",
) -> Select[Thread]:
    """Threads of an office (or all), in the inbox's order: the open ones waiting longest first, the closed
    ones the latest closed first, the others the newest first (an office's walked on its index of when they
    opened, `ix_threads_office_opened`: a search by words stops at the page).
    `whose`: every one (ALL), those taken by `staff_id` (MINE), by nobody (UNASSIGNED), or those the office
    passed to another (PASSED: `office_code` is the office that passed them). `words`: only those with a
    message holding them (in any case; a LIKE pattern's own characters are taken as written)."""
    query = select(Thread)
    if status is not None:
        query = query.where(Thread.status == status)
    if whose == PASSED:
        query = query.where(
            Thread.passed_from == office_code if office_code is not None else Thread.passed_from.is_not(None)
        )
    elif office_code is not None:
        query = query.where(Thread.office_code == office_code)
    if whose == MINE:
        query = query.where(Thread.assigned_staff_id == staff_id)
    elif whose == UNASSIGNED:
        query = query.where(Thread.assigned_staff_id.is_(None))
    if topic is not None:
        query = query.where(Thread.topic == topic)
    if words:
        escaped = words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        said = select(ThreadMessage.id).where(
            ThreadMessage.thread_id == Thread.id, func.lower(ThreadMessage.text).like(pattern, escape="\\")
        )
        query = query.where(said.exists())
    waiting_first = (Thread.waiting_since.is_(None), Thread.waiting_since, Thread.opened_at, Thread.id)
    latest_closed = (Thread.closed_at.desc(), Thread.id.desc())
    newest = (Thread.opened_at.desc(), Thread.id.desc())
    order = waiting_first if status == OPEN else latest_closed if status == CLOSED else newest
    return query.order_by(*order)


def _listed(session: Session, found: Sequence[Thread]) -> list[Listed]:
    """The threads as the inbox lists them, in a handful of queries whatever their number."""
    ids = [thread.id for thread in found]
    tallies = {
        thread_id: (int(count), last)
        for thread_id, count, last in session.execute(
            select(ThreadMessage.thread_id, func.count(), func.max(ThreadMessage.id))
            .where(ThreadMessage.thread_id.in_(ids), ThreadMessage.author == FAMILY)
            .group_by(ThreadMessage.thread_id)
        ).all()
    }
    latest_ids = [last for _, last in tallies.values() if last is not None]
    latest = {m.id: m for m in session.scalars(select(ThreadMessage).where(ThreadMessage.id.in_(latest_ids)))}
    families = dict(
        session.execute(
            select(Beneficiary.id, Beneficiary.full_name).where(
                Beneficiary.id.in_({t.family_id for t in found if t.family_id is not None})
            )
        ).all()
    )
    listed_contacts = dict(
        session.execute(
            select(Contact.id, Contact.full_name).where(
                Contact.id.in_({t.contact_id for t in found if t.contact_id is not None})
            )
        ).all()
    )
    names = staff_names(session, {t.assigned_staff_id for t in found if t.assigned_staff_id is not None})
    listed = []
    for thread in found:
        count, last = tallies.get(thread.id, (0, None))
        message = latest.get(last) if last is not None else None
        name = (
            families.get(thread.family_id, "")
            if thread.family_id is not None
            else listed_contacts.get(thread.contact_id, "")
            if thread.contact_id is not None
            else ""
        )
        listed.append(
            Listed(
                thread,
                name,
                count,
                message.text if message else "",
                message.media_kind if message else None,
                names.get(thread.assigned_staff_id) if thread.assigned_staff_id is not None else None,
            )
        )
    return listed


def name_of(session: Session, thread: Thread) -> str:
    if thread.family_id is not None:
        found = session.scalar(select(Beneficiary.full_name).where(Beneficiary.id == thread.family_id))
        return found or ""
    if thread.contact_id is not None:
        return session.scalar(select(Contact.full_name).where(Contact.id == thread.contact_id)) or ""
    return ""


def unread_answers(session: Session, channel: str, address: str) -> Sequence[ThreadMessage]:
    """Her office's answers that reached her only as "your office answered" (WhatsApp's template), oldest
    first."""
    return session.scalars(
        select(ThreadMessage)
        .join(Thread, Thread.id == ThreadMessage.thread_id)
        .where(
            Thread.channel == channel,
            Thread.address_key == key_of(address),
            ThreadMessage.unread.is_(True),
            ThreadMessage.author == STAFF,
        )
        .order_by(ThreadMessage.id)
    ).all()


def mark_unread(session: Session, message_ids: Sequence[int]) -> None:
    """Answers that reached her only as "your office answered" (staff's: a notice about her own file is not
    an answer to show her)."""
    if message_ids:
        session.execute(
            update(ThreadMessage)
            .where(ThreadMessage.id.in_(message_ids), ThreadMessage.author == STAFF)
            .values(unread=True)
        )


def mark_read(session: Session, message_ids: Sequence[int]) -> None:
    if message_ids:
        session.execute(update(ThreadMessage).where(ThreadMessage.id.in_(message_ids)).values(unread=False))


def hers(
    session: Session, family_id: int, chats: Sequence[tuple[str, str]], contact_ids: Sequence[int]
) -> list[int]:
    """Her questions, oldest first: by her family, by the chats she writes from (before she registered too),
    and as a family of an office's list."""
    ids = set(session.scalars(select(Thread.id).where(Thread.family_id == family_id)).all())
    for channel, address in chats:
        ids |= set(
            session.scalars(
                select(Thread.id).where(Thread.channel == channel, Thread.address_key == key_of(address))
            ).all()
        )
    if contact_ids:
        ids |= set(session.scalars(select(Thread.id).where(Thread.contact_id.in_(list(contact_ids)))).all())
    return sorted(ids)


def forget_old_files(session: Session, closed_before: datetime, limit: int) -> int:
    """On threads closed before `closed_before`, the references to her files (and their names) forgotten,
    `limit` messages at most; how many. What kind of file she sent, and when, is kept: staff read that she
    sent one, no longer kept."""
    old = (
        select(ThreadMessage.id)
        .join(Thread, Thread.id == ThreadMessage.thread_id)
        .where(
            ThreadMessage.media_reference.is_not(None),
            Thread.status == CLOSED,
            Thread.closed_at < closed_before,
        )
        .limit(limit)
    )
    forgotten = session.execute(
        update(ThreadMessage)
        .where(ThreadMessage.id.in_(old.scalar_subquery()))
        .values(media_reference=None, media_name="")
    )
    return int(forgotten.rowcount)  # type: ignore[attr-defined]


def by_ids(session: Session, thread_ids: Sequence[int]) -> Sequence[Thread]:
    """These questions, the oldest first."""
    if not thread_ids:
        return []
    return session.scalars(
        select(Thread).where(Thread.id.in_(list(thread_ids))).order_by(Thread.opened_at, Thread.id)
    ).all()


def forget(session: Session, thread_ids: Sequence[int]) -> None:
    """These questions and every message and media reference on them, deleted (what the outbox holds for
    them is deleted before: `storage.traces`)."""
    if thread_ids:
        session.execute(delete(ThreadMessage).where(ThreadMessage.thread_id.in_(list(thread_ids))))
        session.execute(delete(Thread).where(Thread.id.in_(list(thread_ids))))


def reach_all(session: Session, thread_ids: Sequence[int]) -> dict[int, ChatReach]:
    """Where each thread's answers go: the channel and address she wrote from, in the language she reads
    there."""
    rows = session.execute(
        select(Thread.id, Thread.channel, Thread.address, Conversation.language, Conversation.last_inbound_at)
        .outerjoin(
            Conversation,
            (Conversation.channel == Thread.channel) & (Conversation.address_key == Thread.address_key),
        )
        .where(Thread.id.in_(thread_ids))
    ).all()
    return {
        row.id: ChatReach(row.channel, row.address, row.language or "ar", row.last_inbound_at) for row in rows
    }


def of_family(session: Session, family_id: int, limit: int) -> Sequence[Thread]:
    """Her questions to her office, the newest first."""
    query = (
        select(Thread)
        .where(Thread.family_id == family_id)
        .order_by(Thread.opened_at.desc(), Thread.id.desc())
    )
    return session.scalars(query.limit(limit)).all()


def open_by_office(session: Session) -> dict[str, int]:
    """How many questions are open, by office (those with none are absent)."""
    query = select(Thread.office_code, func.count()).where(Thread.status == OPEN).group_by(Thread.office_code)
    return {office: int(count) for office, count in session.execute(query)}


def open_count(session: Session, office_code: str | None) -> int:
    """How many questions are open: of one office, or of every office (None)."""
    query = select(func.count()).select_from(Thread).where(Thread.status == OPEN)
    if office_code is not None:
        query = query.where(Thread.office_code == office_code)
    return int(session.scalar(query) or 0)


def measured(
    session: Session, office_code: str | None, since: datetime
) -> tuple[dict[str, int], dict[str, list[timedelta]]]:
    """Open questions by office, and how long each question opened since `since` waited for its first answer
    (those answered), by office."""
    open_now = (
        select(Thread.office_code, func.count()).where(Thread.status == OPEN).group_by(Thread.office_code)
    )
    answered = select(Thread.office_code, Thread.opened_at, Thread.first_answered_at).where(
        Thread.opened_at >= since, Thread.first_answered_at.is_not(None)
    )
    if office_code is not None:
        open_now = open_now.where(Thread.office_code == office_code)
        answered = answered.where(Thread.office_code == office_code)
    counts = {code: int(count) for code, count in session.execute(open_now).all()}
    waits: dict[str, list[timedelta]] = {}
    for code, opened, first in session.execute(answered).all():
        if first is not None:  # as selected: answered ones
            waits.setdefault(code, []).append(first - opened)
    return counts, waits


def colleagues(session: Session, office_code: str) -> list[tuple[int, str]]:
    """The staff of an office, still staff, as a thread names them (`StaffMember.name`: her full name, else
    her login, else her chat address), by name."""
    rows = session.execute(
        select(StaffMember.id, StaffMember.name)
        .where(StaffMember.office_code == office_code, StaffMember.removed_at.is_(None))
        .order_by(StaffMember.name, StaffMember.id)
    ).all()
    return [(row.id, row.name or "") for row in rows]


def staff_names(session: Session, staff_ids: set[int]) -> dict[int, str]:
    """How staff are named on a thread (`StaffMember.name`)."""
    rows = session.execute(
        select(StaffMember.id, StaffMember.name).where(StaffMember.id.in_(staff_ids))
    ).all()
    return {row.id: row.name or "" for row in rows}


def saved_replies(session: Session, office_code: str | None) -> Sequence[SavedReply]:
    """An office's saved replies (or every office's), by title."""
    query = select(SavedReply).order_by(SavedReply.office_code, SavedReply.title, SavedReply.id)
    if office_code is not None:
        query = query.where(SavedReply.office_code == office_code)
    return session.scalars(query).all()


def saved_reply(session: Session, reply_id: int) -> SavedReply | None:
    return session.get(SavedReply, reply_id)


def ids_at(session: Session, channel: str, address: str) -> list[int]:
    """Every thread of hers on this channel and address."""
    return list(
        session.scalars(
            select(Thread.id).where(Thread.channel == channel, Thread.address_key == key_of(address))
        )
    )


def waiting_unreminded(session: Session, before: datetime) -> Sequence[Thread]:
    """Open threads waiting for an answer since before `before`, whose office was not reminded of them."""
    return session.scalars(
        select(Thread)
        .where(Thread.status == OPEN, Thread.waiting_since < before, Thread.reminded_at.is_(None))
        .order_by(Thread.waiting_since)
    ).all()


def office_staff(office_code: str) -> Select[Any]:
    """The staff of an office who use the staff chat (they have an address), still staff."""
    return select(StaffMember.id).where(
        StaffMember.office_code == office_code,
        StaffMember.address.is_not(None),
        StaffMember.removed_at.is_(None),
    )


def link_family(session: Session, channel: str, address: str, family_id: int) -> None:
    """Her questions asked from this channel and address before her family was known are her family's."""
    session.execute(
        update(Thread)
        .where(Thread.channel == channel, Thread.address_key == key_of(address), Thread.family_id.is_(None))
        .values(family_id=family_id)
    )


def first_unanswered(session: Session, thread_id: int) -> ThreadMessage | None:
    """Her first message since the office's last answer on the thread (None: none waits)."""
    answered = (
        select(func.max(ThreadMessage.id))
        .where(ThreadMessage.thread_id == thread_id, ThreadMessage.author == STAFF)
        .scalar_subquery()
    )
    return session.scalars(
        select(ThreadMessage)
        .where(
            ThreadMessage.thread_id == thread_id,
            ThreadMessage.author == FAMILY,
            ThreadMessage.id > func.coalesce(answered, 0),
        )
        .order_by(ThreadMessage.id)
        .limit(1)
    ).first()
