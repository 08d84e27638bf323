"""Conversation state per (channel, address), loaded at the start of a turn and saved at its end.

State is read and written with two plain statements rather than through the ORM's unit of work: it is
the one thing every message touches, and the inbound benchmark showed the ORM's bookkeeping to be most of
a turn's cost. The save is a compare-and-set on `version`: if another process saved the conversation
since it was read, `StaleConversation` is raised and the turn runs again on fresh state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage.models import Conversation

_table = Conversation.__table__  # a Table: the ORM types it as a FromClause
assert isinstance(_table, Table)


class StaleConversation(StaleDataError):
    """Another turn saved this conversation after we read it."""


@dataclass
class ConversationState:
    channel: str
    address: str
    language: str
    created_at: datetime
    beneficiary_id: int | None = None
    flow: str | None = None
    step: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    offered: list[Any] = field(default_factory=list)
    version: int = 0  # 0: not saved yet


_STATE = (
    "beneficiary_id",
    "language",
    "flow",
    "step",
    "answers",
    "offered",
    "updated_at",
    "last_inbound_at",
    "version",
)
_KEY = (_table.c.channel == bindparam("k_channel"), _table.c.address == bindparam("k_address"))
# Built once: only the parameters change from turn to turn.
_LOAD = select(
    *(_table.c[name] for name in ("channel", "address", "language", "created_at", "beneficiary_id")),
    *(_table.c[name] for name in ("flow", "step", "answers", "offered", "version")),
).where(*_KEY)
_INSERT = insert(_table).values(
    {name: bindparam(name) for name in ("channel", "address", "created_at", *_STATE)}
)
_UPDATE = (
    update(_table)
    .where(*_KEY, _table.c.version == bindparam("k_version"))
    .values({name: bindparam(name) for name in _STATE})
)
_DELETE = delete(_table).where(*_KEY)


def load(session: Session, channel: str, address: str) -> ConversationState | None:
    row = session.connection().execute(_LOAD, {"k_channel": channel, "k_address": address}).one_or_none()
    return None if row is None else ConversationState(**row._asdict())


def start(channel: str, address: str, language: str, now: datetime) -> ConversationState:
    return ConversationState(channel=channel, address=address, language=language, created_at=now)


def save(session: Session, state: ConversationState, now: datetime) -> None:
    values = {
        "beneficiary_id": state.beneficiary_id,
        "language": state.language,
        "flow": state.flow,
        "step": state.step,
        "answers": state.answers,
        "offered": state.offered,
        "updated_at": now,
        "last_inbound_at": now,  # every save is a turn, and every turn answers something she sent
        "version": state.version + 1,
    }
    connection = session.connection()
    if state.version == 0:
        # A concurrent first message inserts the same key: the IntegrityError makes this turn run again.
        connection.execute(
            _INSERT,
            {"channel": state.channel, "address": state.address, "created_at": state.created_at, **values},
        )
    else:
        key = {"k_channel": state.channel, "k_address": state.address, "k_version": state.version}
        if connection.execute(_UPDATE, {**key, **values}).rowcount != 1:
            raise StaleConversation("the conversation changed since this turn read it")
    state.version += 1


def forget(session: Session, state: ConversationState) -> None:
    session.connection().execute(_DELETE, {"k_channel": state.channel, "k_address": state.address})


@dataclass(frozen=True)
class Reach:
    """Where to write to a family: the channel and address she used last, and when she last wrote."""

    channel: str
    address: str
    last_inbound_at: datetime | None


def reach(session: Session, beneficiary_id: int) -> Reach | None:
    """The conversation of hers that received a message last (announcements go there, once)."""
    row = session.execute(
        select(_table.c.channel, _table.c.address, _table.c.last_inbound_at)
        .where(_table.c.beneficiary_id == beneficiary_id)
        .order_by(_table.c.last_inbound_at.desc(), _table.c.updated_at.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else Reach(row.channel, row.address, row.last_inbound_at)


def reach_all(session: Session, beneficiary_ids: list[int]) -> dict[int, Reach]:
    """`reach` for many families in one query: the conversation each used last."""
    rows = session.execute(
        select(_table.c.beneficiary_id, _table.c.channel, _table.c.address, _table.c.last_inbound_at)
        .where(_table.c.beneficiary_id.in_(beneficiary_ids))
        .order_by(_table.c.last_inbound_at.asc(), _table.c.updated_at.asc())
    ).all()
    latest: dict[int, Reach] = {}
    for row in rows:  # ordered oldest first: the last one seen is the one she used last
        latest[row.beneficiary_id] = Reach(row.channel, row.address, row.last_inbound_at)
    return latest
