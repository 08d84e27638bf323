"""Messages already seen, by the platform's id, shared by every process through the database.

`first_time` is written in the transaction of the turn that answers the message: if the turn fails, the
message is not marked seen and a platform's retry is answered; if another process answered it first, this
one is told so (on PostgreSQL the second insert waits for the first's commit, then does nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import SeenMessage

KEPT = timedelta(days=2)  # at least the 24 hours in which a platform sends a message again

_table = cast(Table, SeenMessage.__table__)
PLATFORM_ID_LENGTH = 100  # what the column holds: a longer id is refused where it arrives


def first_time(session: Session, channel: str, platform_id: str, now: datetime) -> bool:
    """Write down that this message was seen; False if it already was."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    written = session.execute(
        insert(_table)
        .values(channel=channel, platform_id=platform_id, seen_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "platform_id"])
    )
    return bool(written.rowcount)  # type: ignore[attr-defined]


def forget_old(session: Session, now: datetime) -> int:
    """The record of messages seen longer ago than KEPT, removed; how many."""
    removed = session.execute(delete(_table).where(_table.c.seen_at < now - KEPT))
    return int(removed.rowcount)  # type: ignore[attr-defined]
