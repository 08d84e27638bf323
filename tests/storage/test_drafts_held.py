"""A registration she began on another channel and left is found by the numbers it holds (their look-up keys,
kept beside the sealed answers), without opening every draft: deleting her data and her copy of it use it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage import conversations
from storage.db import Database
from storage.models import Conversation
from storage.sealing import key_of

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
HER_ID, HER_MOBILE, SOMEONE_ELSES = "1000000008", "+966551234567", "1000000016"


def draft(
    address: str, answers: dict[str, object], channel: str = "whatsapp"
) -> conversations.ConversationState:
    state = conversations.start(channel, address, "ar", NOW)
    state.flow, state.step, state.answers = "registration", "mobile", answers
    return state


async def test_a_draft_holding_her_id_or_mobile_is_found_by_their_keys(database: Database) -> None:
    def work(session: Session) -> list[tuple[str, str]]:
        conversations.save(
            session, draft("+966550000001", {"full_name": "فاطمة", "national_id": HER_ID}), NOW
        )
        conversations.save(session, draft("7001", {"mobile": HER_MOBILE}, "telegram"), NOW)
        conversations.save(session, draft("+966550000003", {"national_id": SOMEONE_ELSES}), NOW)
        return conversations.drafts_holding(session, {HER_ID, HER_MOBILE})

    found = await database.run(work)
    assert sorted(found) == [("telegram", "7001"), ("whatsapp", "+966550000001")]
    kept = await database.run(
        lambda s: s.scalar(
            select(Conversation.answers_keys).where(Conversation.address_key == key_of("7001"))
        )
    )
    assert kept == f"{key_of(HER_MOBILE)} "  # her name is not a number: no key of it


async def test_a_draft_saved_before_the_keys_were_kept_is_opened_and_found(database: Database) -> None:
    def work(session: Session) -> list[tuple[str, str]]:
        conversations.save(session, draft("+966550000001", {"national_id": HER_ID}), NOW)
        session.execute(update(Conversation).values(answers_keys=None))
        return conversations.drafts_holding(session, {HER_ID})

    assert await database.run(work) == [("whatsapp", "+966550000001")]
