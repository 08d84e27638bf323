"""Each channel's pace, shared through the database by every worker that sends on it.

A send takes the channel's turn only when it is due (`next_send_at` at or before now), and sets the next
turn one interval later, on the condition that nobody changed it meanwhile (compare and set): of two workers
asking at once, one gets the turn and the other is told when the next one is. So the turns of all workers
together are never closer than the interval, whatever their number. A platform's "retry after" moves the next
turn on for all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import ChannelPace

_table = cast(Table, ChannelPace.__table__)
_c = _table.c


def take(session: Session, channel: str, now: datetime, interval: timedelta) -> datetime | None:
    """The channel's turn, if it is due: None. If it is not due, when it will be.

    A turn taken a little late (by less than an interval: a wake-up on a busy machine, the time to ask)
    keeps to the schedule, so that lateness is not lost from the rate; later than that (the channel was
    idle), the schedule starts again from now.
    """
    while True:
        due: datetime | None = session.scalar(select(_c.next_send_at).where(_c.channel == channel))
        if due is None:  # the channel's first send ever: its row starts here
            first = session.execute(_insert(session).values(channel=channel, next_send_at=now + interval))
            if first.rowcount:  # type: ignore[attr-defined]
                return None
            continue  # another worker's first send came first
        if due > now:
            return due
        turn = due if now - due < interval else now
        taken = session.execute(
            update(_table)
            .where(_c.channel == channel, _c.next_send_at == due)
            .values(next_send_at=turn + interval)
        )
        if taken.rowcount:  # type: ignore[attr-defined]
            return None
        # Another worker took this turn between the two statements: ask again.


def pause(session: Session, channel: str, until: datetime) -> None:
    """No send on this channel, by any worker, before `until` (the platform said "retry after")."""
    moved = session.execute(
        update(_table).where(_c.channel == channel, _c.next_send_at < until).values(next_send_at=until)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        session.execute(_insert(session).values(channel=channel, next_send_at=until))


def _insert(session: Session) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(_table).on_conflict_do_nothing(index_elements=["channel"])
    return sqlite.insert(_table).on_conflict_do_nothing(index_elements=["channel"])
