"""What tests read back from the database: how the deliveries stand, an event's guest list, an office's
imported contacts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import deliveries, events, kinds
from storage.db import Database
from storage.models import Contact, Delivery, Thread, ThreadMessage


async def announcement_statuses(database: Database) -> dict[str, int]:
    """The deliveries of announcement 1 (`builders.announce`), counted by status."""
    return await database.run(lambda s: deliveries.counts(s, kinds.ANNOUNCEMENT, 1))


async def deliveries_of(database: Database, kind: str) -> list[tuple[int | None, str]]:
    """Each delivery of a kind: (family, status), by what it is of, then by family."""

    def read(session: Session) -> list[tuple[int | None, str]]:
        rows = session.execute(
            select(Delivery.beneficiary_id, Delivery.status)
            .where(Delivery.kind == kind)
            .order_by(Delivery.source_id, Delivery.beneficiary_id)
        ).all()
        return [(beneficiary_id, status) for beneficiary_id, status in rows]

    return await database.run(read)


async def guest_statuses(database: Database, event_id: int) -> dict[int, str]:
    """An event's guest list: family → her status (invited, going, not_going, waitlisted)."""
    return {
        line.beneficiary_id: line.status
        for line in await database.run(lambda s: events.guest_list(s, event_id))
    }


async def contacts_in(database: Database) -> list[tuple[str, str, str, str]]:
    """The offices' imported contacts: (national ID, name, mobile, office), by national ID."""
    rows = await database.run(
        lambda s: s.execute(
            select(Contact.national_id, Contact.full_name, Contact.mobile, Contact.office_code)
        ).all()
    )
    return sorted(tuple(row) for row in rows)  # type: ignore[misc]  # sealed: sorted once opened


async def threads_of(database: Database) -> list[tuple[str, str, str, str]]:
    """Each thread: its office, topic, status, and what was said on it (author: words or file kind)."""

    def read(session: object) -> list[tuple[str, str, str, str]]:
        found = []
        for thread in session.scalars(select(Thread).order_by(Thread.id)):  # type: ignore[attr-defined]
            said = session.scalars(  # type: ignore[attr-defined]
                select(ThreadMessage).where(ThreadMessage.thread_id == thread.id).order_by(ThreadMessage.id)
            )
            lines = " | ".join(f"{m.author}: {m.text or m.media_kind}" for m in said)
            found.append((thread.office_code, thread.topic, thread.status, lines))
        return found

    return await database.run(read)
