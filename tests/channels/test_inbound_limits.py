"""A sender who writes faster than anyone types: twenty messages in ten seconds are all answered; the next
one is told, once and in her language, to wait a minute; what she sends in that minute is neither answered
nor kept; after it she is served as before. The same on Telegram and on WhatsApp, through the real channel
libraries against the fakes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.service import Service
from core.metrics import REGISTRY
from storage.db import Database
from storage.models import Conversation, SeenMessage
from tests.support.builders import FATIMA_ID
from tests.support.fake_telegram import FakeTelegram, on_phone, settings_for, webhook_poster
from tests.support.fake_twilio import OnWhatsApp, whatsapp_settings
from tests.support.people import Clock

WAIT_AR = "وصلتنا رسائل كثيرة منك في وقت قصير. انتظري دقيقة من فضلك ثم أكملي."
WAIT_EN = "We received many messages from you in a short time. Please wait a minute, then carry on."
QUICKLY = 0.4  # seconds between two of her messages: twenty take eight seconds


@pytest.fixture
async def webhook(
    database: Database, database_url: str, fake_telegram: FakeTelegram, clock: Clock
) -> AsyncIterator[Service]:
    settings = settings_for(database_url, fake_telegram, public_url="https://usar.example.org/")
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def whatsapp(database: Database, database_url: str, clock: Clock) -> AsyncIterator[Service]:
    service = Service(whatsapp_settings(database_url), clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    yield service
    await service.stop()


def limited(channel: str) -> float:
    return REGISTRY.get_sample_value("usar_inbound_limited_total", {"channel": channel}) or 0.0


async def seen(database: Database) -> int:
    return await database.run(lambda s: s.scalar(select(func.count()).select_from(SeenMessage)) or 0)


def burst(count: int) -> list[str]:
    """What she sends in a hurry: a greeting, then the menu and help by turns (never the same words twice
    in a row, which would be a double send and rightly not answered again)."""
    return ["مرحبا", *("القائمة" if number % 2 else "مساعدة" for number in range(1, count))]


async def test_on_telegram_twenty_quick_messages_are_answered_the_next_is_told_to_wait_and_the_rest_of_the_minute_is_set_aside(  # noqa: E501
    webhook: Service, fake_telegram: FakeTelegram, clock: Clock, database: Database, caplog: Any
) -> None:
    assert fake_telegram.webhook is not None
    post = webhook_poster(webhook, fake_telegram.webhook["secret_token"])
    fatima = on_phone(fake_telegram, FATIMA_ID, clock)

    async def quickly(text: str) -> list[str]:
        """She sends `text` a moment after her last message; what reached her phone for it."""
        clock.advance(seconds=QUICKLY)
        before = len(fake_telegram.sent_to(FATIMA_ID))
        assert await post(fake_telegram.message(fatima, text=text)) == 200
        return [message["text"] for message in fake_telegram.sent_to(FATIMA_ID)[before:]]

    limited_before = limited("telegram")
    for number, text in enumerate(burst(20), start=1):
        heard = await quickly(text)
        assert heard and WAIT_AR not in "\n".join(heard), (number, heard)  # the 20th too
    assert "كيف يمكنني مساعدتك؟" in "\n".join(heard)

    with caplog.at_level(logging.INFO):
        assert await quickly("مساعدة") == [WAIT_AR]  # the 21st: one notice, nothing else
        told_at = clock.now
        for text in ("English", "القائمة", "مساعدة", "English"):  # the 22nd to the 25th
            assert await quickly(text) == []
    assert await seen(database) == 20  # only the twenty were taken as turns
    assert limited("telegram") - limited_before == 5
    said = [record.getMessage() for record in caplog.records if "set aside" in record.getMessage()]
    assert len(said) == 1, said  # once for the minute, not for every message
    assert str(FATIMA_ID) not in caplog.text

    clock.now = told_at
    clock.advance(seconds=59)
    assert await quickly("English") == []  # still within her minute
    clock.now = told_at
    clock.advance(seconds=60.5)
    back = await quickly("القائمة")
    # Answered as before, and in Arabic: the "English" she sent while she waited was never read.
    assert back and "كيف يمكنني مساعدتك؟" in "\n".join(back), back
    assert await seen(database) == 21


async def test_on_whatsapp_the_notice_is_in_her_language_and_her_minute_leaves_her_place_untouched(
    whatsapp: Service, database: Database, clock: Clock
) -> None:
    mary = OnWhatsApp(whatsapp, "+966500000002")
    await mary.says("hello")
    await mary.says("English")
    assert "What is your full name?" in await mary.says("1")  # registering: her name is asked
    clock.advance(minutes=1)

    async def quickly(text: str) -> str:
        clock.advance(seconds=QUICKLY)
        return await mary.says(text, at_once=True)

    for number in range(1, 21):  # "help" and "?" by turns: each answered, her question asked again
        heard = await quickly("help" if number % 2 else "?")
        assert "What is your full name?" in heard and WAIT_EN not in heard, (number, heard)
    assert await quickly("help") == WAIT_EN  # the 21st
    for text in ("Mary Ann Smith", "العربية"):  # her name, and Arabic: neither read
        assert await quickly(text) == ""
    [conversation] = await database.run(lambda s: s.scalars(select(Conversation)).all())
    assert conversation.language == "en"

    clock.advance(minutes=1)
    assert "national ID number" in await mary.says("Mary Ann Smith")  # where she was, in English
