"""How many rows there are of each status: an opportunity's applications, an event's guests."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session


def by_status(
    session: Session,
    status: InstrumentedAttribute[str],
    where: ColumnElement[bool],
    statuses: Iterable[StrEnum],
) -> dict[str, int]:
    """How many of the rows `where` finds have each status: each of `statuses` in its order, 0 for none."""
    counts = {each.value: 0 for each in statuses}
    counts.update(session.execute(select(status, func.count()).where(where).group_by(status)).all())
    return counts
