"""Messages already seen, by the platform's id, shared by every process through the database.

`first_time` is written in the transaction of the turn that answers the message: if the turn fails, the
message is not marked seen and a platform's retry is answered; if another process answered it first, this
one is told so (on PostgreSQL the second insert waits for the first's commit, then does nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import SeenMessage
from storage.prepared import Prepared

KEPT = timedelta(days=2)  # at least the 24 hours in which a platform sends a message again

_table = cast(Table, SeenMessage.__table__)
PLATFORM_ID_LENGTH = 100  # what the column holds: a longer id is refused where it arrives


# Built once: a turn makes this write before anything else (on SQLite through the driver, `Prepared`).
_VALUES: dict[str, Any] = {
    "channel": bindparam("channel"),
    "platform_id": bindparam("platform_id"),
    "seen_at": bindparam("now"),
}
_ON_SQLITE = Prepared(
    sqlite.insert(_table).values(_VALUES).on_conflict_do_nothing(index_elements=["channel", "platform_id"])
)
_ON_POSTGRESQL = (
    postgresql.insert(_table)
    .values(_VALUES)
    .on_conflict_do_nothing(index_elements=["channel", "platform_id"])
)


def first_time(session: Session, channel: str, platform_id: str, now: datetime) -> bool:
    """Write down that this message was seen; False if it already was."""
    values = {"channel": channel, "platform_id": platform_id, "now": now}
    if session.get_bind().dialect.name == "postgresql":
        return bool(session.execute(_ON_POSTGRESQL, values).rowcount)  # type: ignore[attr-defined]
    return _ON_SQLITE.rowcount(session, values) == 1


def forget(session: Session, seen: Sequence[tuple[str, str]]) -> None:
    """These marks (channel, the platform's id), removed."""
    for channel, platform_id in seen:
        session.execute(
            delete(_table).where(_table.c.channel == channel, _table.c.platform_id == platform_id)
        )


def forget_old(session: Session, now: datetime, limit: int | None = None) -> int:
    """The record of messages seen longer ago than KEPT (`limit` of them at most), removed; how many."""
    c = _table.c
    old = select(c.channel, c.platform_id).where(c.seen_at < now - KEPT).limit(limit)
    removed = session.execute(delete(_table).where(tuple_(c.channel, c.platform_id).in_(old)))
    return int(removed.rowcount)  # type: ignore[attr-defined]
