"""Reading a row to decide on it: as it is now, and held until the transaction ends.

Two people can act on one row at once (staff accept while she withdraws, staff cancel a training while she
says she is coming): each decides on the row read here, so whichever commits second has read what the first
committed. On PostgreSQL the read is `SELECT … FOR UPDATE`, which waits for the other's commit; on SQLite
(which writes nothing for FOR UPDATE) a unit of work that read before another's write fails at its own first
write with a stale snapshot and runs again from the start (`storage.db`), or it took the write lock at BEGIN.

The row is read again even if the session holds it already (`populate_existing`): a screen read before the
lock was taken must not decide.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

T = TypeVar("T")


def row(session: Session, entity: type[T], key: Any) -> T | None:
    """The row with this primary key, locked until the transaction ends and read as it is now; None if it
    is gone. (Only its own table's row is locked: not those a relationship joins in.)"""
    return session.get(entity, key, with_for_update={"of": entity}, populate_existing=True)


def first(session: Session, entity: type[T], *criteria: ColumnElement[bool]) -> T | None:
    """`row` for the row these criteria find."""
    query = select(entity).where(*criteria).with_for_update(of=entity)
    return session.scalar(query.execution_options(populate_existing=True))
