"""Conversation state per (channel, address), loaded at the start of a turn and saved at its end.

State is read and written with two plain statements rather than through the ORM's unit of work: it is
the one thing every message touches, and the inbound benchmark showed the ORM's bookkeeping to be most of
a turn's cost. On SQLite the statements even skip SQLAlchemy's execution (`storage.prepared`), which
makes them about ten times cheaper. The save is a compare-and-set on `version`: if another process
saved the conversation since it was read, `StaleConversation` is raised and the turn runs again on
fresh state.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, false, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage.models import Beneficiary, Conversation, StaffMember
from storage.prepared import Prepared
from storage.sealing import key_of

_table = Conversation.__table__  # a Table: the ORM types it as a FromClause
_families = Beneficiary.__table__
assert isinstance(_table, Table) and isinstance(_families, Table)


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
    # Read with the state: her family was marked unreachable (she had blocked us), so a turn, which means
    # she wrote again, should clear it. Saves every other turn an UPDATE that changes nothing.
    family_blocked: bool = False
    last_inbound_at: datetime | None = None  # when her previous message came
    last_said: str | None = None  # a digest of its words (`said_digest`); set to this message's in the turn
    contact_keyboard: bool = False  # her chat shows the "share my number" keyboard


_STATE = (
    "beneficiary_id",
    "language",
    "flow",
    "step",
    "answers",
    "answers_keys",
    "offered",
    "updated_at",
    "last_inbound_at",
    "last_said",
    "contact_keyboard",
    "version",
)
# Her address is sealed (storage.sealing): a conversation is found by its look-up key.
_KEY = (_table.c.channel == bindparam("k_channel"), _table.c.address_key == bindparam("k_address"))
# Built once: only the parameters change from turn to turn.
_LOAD = Prepared(
    select(
        *(_table.c[name] for name in ("language", "created_at", "beneficiary_id")),
        *(_table.c[name] for name in ("flow", "step", "answers", "offered", "version")),
        *(_table.c[name] for name in ("last_inbound_at", "last_said", "contact_keyboard")),
        _families.c.blocked_at.is_not(None).label("family_blocked"),
    )
    .select_from(_table.outerjoin(_families, _families.c.id == _table.c.beneficiary_id))
    .where(*_KEY)
)
_INSERT = Prepared(
    insert(_table).values(
        {
            name: bindparam(name)
            for name in ("channel", "address_key", "address_sealed", "created_at", *_STATE)
        }
    )
)
_UPDATE = Prepared(
    update(_table)
    .where(*_KEY, _table.c.version == bindparam("k_version"))
    .values({name: bindparam(name) for name in _STATE})
)
_DELETE = Prepared(delete(_table).where(*_KEY))


def load(session: Session, channel: str, address: str) -> ConversationState | None:
    found = _LOAD.first(session, {"k_channel": channel, "k_address": key_of(address)})
    return None if found is None else ConversationState(channel=channel, address=address, **found)


def start(channel: str, address: str, language: str, now: datetime) -> ConversationState:
    return ConversationState(channel=channel, address=address, language=language, created_at=now)


def save(session: Session, state: ConversationState, now: datetime) -> None:
    values = {
        "beneficiary_id": state.beneficiary_id,
        "language": state.language,
        "flow": state.flow,
        "step": state.step,
        "answers": state.answers,
        "answers_keys": numbers_held(state.answers),
        "offered": state.offered,
        "updated_at": now,
        "last_inbound_at": now,  # every save is a turn, and every turn answers something she sent
        "last_said": state.last_said,
        "contact_keyboard": state.contact_keyboard,
        "version": state.version + 1,
    }
    if state.version == 0:
        # A concurrent first message inserts the same key: the IntegrityError makes this turn run again.
        key = {
            "channel": state.channel,
            "address_key": key_of(state.address),
            "address_sealed": state.address,  # the column's name: sealed by its type
            "created_at": state.created_at,
        }
        _INSERT.rowcount(session, {**key, **values})
    else:
        key = {"k_channel": state.channel, "k_address": key_of(state.address), "k_version": state.version}
        if _UPDATE.rowcount(session, {**key, **values}) != 1:
            raise StaleConversation("the conversation changed since this turn read it")
    state.version += 1


def forget(session: Session, state: ConversationState) -> None:
    _DELETE.rowcount(session, {"k_channel": state.channel, "k_address": key_of(state.address)})


def drafts_holding(session: Session, values: set[str]) -> list[tuple[str, str]]:
    """The chats (channel, address) linked to no family whose unsaved answers hold one of these values (her
    national ID, her mobile: a registration she began on another channel): found by the look-up keys of the
    numbers they hold (`answers_keys`, read from their index alone), none opened but those saved before the
    keys were kept."""
    keys = [key_of(value) for value in values if _a_number(value)]
    unlinked = _table.c.beneficiary_id.is_(None)
    held = or_(*(_table.c.answers_keys.like(f"%{key} %") for key in keys)) if keys else false()
    found = session.execute(select(_table.c.channel, _table.c.address_key).where(unlinked, held)).all()
    chats = [
        (channel, address)
        for channel, address_key in found
        for address in session.scalars(
            select(Conversation.address).where(
                _table.c.channel == channel, _table.c.address_key == address_key
            )
        )
    ]
    unkept = session.execute(
        select(_table.c.channel, Conversation.address, _table.c.answers).where(
            unlinked, _table.c.answers_keys.is_(None)
        )
    ).all()
    return chats + [(channel, address) for channel, address, answers in unkept if _holds(answers, values)]


def numbers_held(answers: Any) -> str:
    """The look-up keys of the numbers (digits, and a leading +: an ID, a mobile) among her answers, each
    followed by a space, as `answers_keys` keeps them."""
    return "".join(f"{key_of(value)} " for value in sorted(_numbers_in(answers)))


def _numbers_in(answers: Any) -> set[str]:
    if isinstance(answers, dict):
        return set().union(*(_numbers_in(value) for value in answers.values()))
    if isinstance(answers, list):
        return set().union(*(_numbers_in(value) for value in answers))
    return {answers} if isinstance(answers, str) and _a_number(answers) else set()


def _a_number(value: str) -> bool:
    return value.removeprefix("+").isdigit()


def chats_of(session: Session, family_id: int) -> list[tuple[str, str]]:
    """The chats (channel, address) a family writes from."""
    rows = session.execute(
        select(_table.c.channel, Conversation.address).where(_table.c.beneficiary_id == family_id)
    ).all()
    return [(row.channel, row.address) for row in rows]


@dataclass(frozen=True)
class Chat:
    """A conversation as she reads it in a copy of her data: where, since when, her last message."""

    channel: str
    address: str
    language: str
    started_at: datetime
    last_message_at: datetime | None


def chats(session: Session, family_id: int, at: Sequence[tuple[str, str]]) -> list[Chat]:
    """Her conversations at these chats (linked to her, or to nobody), the oldest first."""
    wanted = set(at)
    rows = session.execute(
        select(_table.c.channel, Conversation.address, _table.c.language, _table.c.created_at)
        .add_columns(_table.c.last_inbound_at, _table.c.beneficiary_id)
        .where((_table.c.beneficiary_id == family_id) | _table.c.beneficiary_id.is_(None))
        .where(_table.c.address_key.in_(sorted({key_of(address) for _, address in wanted})))
        .order_by(_table.c.created_at, _table.c.channel)
    ).all()
    return [
        Chat(row.channel, row.address, row.language, row.created_at, row.last_inbound_at)
        for row in rows
        if (row.channel, row.address) in wanted
    ]


def forget_chats(session: Session, family_id: int, at: Sequence[tuple[str, str]]) -> None:
    """Her conversations, deleted with everything they hold: those linked to her, and those at these chats
    linked to nobody (drafts, questions she asked before registering)."""
    session.execute(delete(Conversation).where(Conversation.beneficiary_id == family_id))
    for channel, address in at:
        session.execute(
            delete(Conversation).where(
                Conversation.channel == channel,
                Conversation.address_key == key_of(address),
                Conversation.beneficiary_id.is_(None),
            )
        )


def forget_mentions(session: Session, texts: set[str]) -> int:
    """Staff's conversations (at a staff member's address) whose last options or unsaved answers hold one of
    these texts (a family's name as options are folded, her national ID, her mobile's digits: she deleted her
    data): the options dropped, and the answers with the step they belonged to (the staff menu next). How
    many. A turn that read one before is run again (`version`)."""
    staff = session.scalars(select(StaffMember.address).where(StaffMember.address.is_not(None))).all()
    rows = session.execute(
        select(_table.c.channel, _table.c.address_key, _table.c.answers, _table.c.offered).where(
            _table.c.address_key.in_([key_of(address) for address in staff if address])
        )
    ).all()
    changed = 0
    for channel, address_key, answers, offered in rows:
        dropped: dict[str, Any] = {}
        if _mentions(offered, texts):
            dropped["offered"] = []
        if _mentions(answers, texts):
            dropped |= {"answers": {}, "answers_keys": "", "flow": None, "step": None}
        if dropped:
            session.execute(
                update(Conversation)
                .where(Conversation.channel == channel, Conversation.address_key == address_key)
                .values(**dropped, version=Conversation.version + 1)
            )
            changed += 1
    return changed


def _mentions(value: Any, texts: set[str]) -> bool:
    written = json.dumps(value, ensure_ascii=False)
    return any(text in written for text in texts if text)


def _holds(answers: Any, values: set[str]) -> bool:
    if isinstance(answers, dict):
        return any(_holds(value, values) for value in answers.values())
    if isinstance(answers, list):
        return any(_holds(value, values) for value in answers)
    return isinstance(answers, str) and answers in values


@dataclass(frozen=True)
class Reach:
    """Where to write to a family: the channel and address she used last, and when she last wrote."""

    channel: str
    address: str
    last_inbound_at: datetime | None


def reach(session: Session, beneficiary_id: int) -> Reach | None:
    """The conversation of hers that received a message last (announcements go there, once)."""
    row = session.execute(
        select(_table.c.channel, Conversation.address, _table.c.last_inbound_at)
        .where(_table.c.beneficiary_id == beneficiary_id)
        .order_by(_table.c.last_inbound_at.desc(), _table.c.updated_at.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else Reach(row.channel, row.address, row.last_inbound_at)


def reach_all(session: Session, beneficiary_ids: list[int]) -> dict[int, Reach]:
    """`reach` for many families in one query: the conversation each used last."""
    rows = session.execute(
        select(_table.c.beneficiary_id, _table.c.channel, Conversation.address, _table.c.last_inbound_at)
        .where(_table.c.beneficiary_id.in_(beneficiary_ids))
        .order_by(_table.c.last_inbound_at.asc(), _table.c.updated_at.asc())
    ).all()
    latest: dict[int, Reach] = {}
    for row in rows:  # ordered oldest first: the last one seen is the one she used last
        latest[row.beneficiary_id] = Reach(row.channel, row.address, row.last_inbound_at)
    return latest


def family_at(session: Session, channel: str, address: str) -> int | None:
    """The family who talks to us from this channel and address, if she registered."""
    return session.scalar(
        select(_table.c.beneficiary_id).where(
            _table.c.channel == channel, _table.c.address_key == key_of(address)
        )
    )


def offer(session: Session, channel: str, address: str, offered: list[dict[str, Any]]) -> None:
    """A message we started offered her these options: they are what she answers next. A new version, so
    a turn that read the state before does its work again on this one."""
    session.execute(
        update(Conversation)
        .where(Conversation.channel == channel, Conversation.address_key == key_of(address))
        .values(offered=offered, version=Conversation.version + 1)
    )


@dataclass(frozen=True)
class ChatReach:
    """Where to write to someone in one conversation: its channel and address, her language there, and when
    she last wrote in it (WhatsApp's 24 hours)."""

    channel: str
    address: str
    language: str
    last_inbound_at: datetime | None


def staff_reach_all(session: Session, staff_ids: list[int]) -> dict[int, ChatReach]:
    """For each staff member, the conversation at her address she used last (none if she never wrote)."""
    staff_at = {
        key_of(address or ""): member
        for member, address in session.execute(
            select(StaffMember.id, StaffMember.address).where(
                StaffMember.id.in_(staff_ids),
                StaffMember.removed_at.is_(None),
                StaffMember.address.is_not(None),
            )
        )
    }
    rows = session.execute(
        select(
            _table.c.address_key,
            _table.c.channel,
            Conversation.address,
            _table.c.language,
            _table.c.last_inbound_at,
        )
        .where(_table.c.address_key.in_(list(staff_at)))
        .order_by(_table.c.last_inbound_at.asc())
    ).all()
    latest: dict[int, ChatReach] = {}
    for row in rows:  # oldest first: the last one seen is the one she used last
        latest[staff_at[row.address_key]] = ChatReach(
            row.channel, row.address, row.language, row.last_inbound_at
        )
    return latest
