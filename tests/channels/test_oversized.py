"""What a platform sends is stored within its column or refused where it arrives, and a message of a megabyte
is cut before anything reads it: every field at or beyond its documented maximum, posted through the real
webhooks, gets no 500, no traceback, and leaves nothing longer than its column (on SQLite, which would keep
it, as on PostgreSQL, which would refuse the whole turn)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import String, func, select
from sqlalchemy.orm import Session

from bot.service import Service
from bot.web import BODY_LIMIT
from conversations.engine.engine import Engine
from core.channel import LONGEST_KEPT, LONGEST_TEXT, Channel, Inbound
from core.domain import StaffRole
from handlers.splitting import split_message, utf16_length
from handlers.telegram.webhook import TELEGRAM_WEBHOOK
from handlers.whatsapp.webhook import WHATSAPP_WEBHOOK
from office import canteens, offices
from office.errors import Refused
from office.rights import OPERATOR
from storage import canteens as stored_canteens
from storage.db import Database
from storage.models import Base, Conversation
from tests.support.builders import FATIMA_ID, girls_school, staff_person
from tests.support.fake_telegram import FakeTelegram, TelegramUser, settings_for, webhook_poster
from tests.support.fake_twilio import OnWhatsApp, whatsapp_settings
from tests.support.people import Clock, Person, ar, en

TOO_LONG = "Your message is too long for me to read. Please send at most %(limit)s characters at a time."
# Outside a form, a long message is kept for her office rather than refused.
KEPT = "Your message is long, so I cannot take it as an answer here. I kept it as you wrote it."
CUT = "Your message is very long: I have kept its first %(limit)s characters."
OFFERED = "I could not answer this myself. Shall I send it to your office? A person will answer you here."
MEGABYTE = 1_000_000  # characters: with its envelope, under the body limit of a web request


def cut_in(heard: str) -> bool:
    """She was told only the start of her message was kept (the number in it as the bot writes numbers)."""
    said = ar(CUT, limit=LONGEST_KEPT)
    start, _, end = said.partition(str(LONGEST_KEPT))
    return start in heard and end in heard and str(LONGEST_KEPT) in heard


def too_long_in(language: str) -> str:
    return (ar if language == "ar" else en)(TOO_LONG, limit=LONGEST_TEXT)


def beyond_columns(session: Session) -> list[str]:
    """Every String column holding a value longer than it is declared to (SQLite keeps them silently)."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String) and column.type.length is not None:
                longest = session.scalar(select(func.max(func.length(column))))
                if longest is not None and longest > column.type.length:
                    found.append(f"{table.name}.{column.name}: {longest} > {column.type.length}")
    return found


@pytest.fixture
def read_by_the_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The length of every text a turn was given to read."""
    lengths: list[int] = []
    turn = Engine._turn

    def counted(engine: Engine, inbound: Inbound, session: Session) -> Any:
        lengths.append(len(inbound.text))
        return turn(engine, inbound, session)

    monkeypatch.setattr(Engine, "_turn", counted)
    yield lengths


def no_failure_logged(caplog: pytest.LogCaptureFixture) -> bool:
    return "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
async def telegram_webhook(
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


def texts_to(fake: FakeTelegram, chat: int) -> list[str]:
    return [message["text"] for message in fake.sent_to(chat)]


async def test_telegram_fields_at_and_beyond_their_limits(
    telegram_webhook: Service,
    fake_telegram: FakeTelegram,
    database: Database,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert fake_telegram.webhook is not None
    post = webhook_poster(telegram_webhook, fake_telegram.webhook["secret_token"])
    fatima = TelegramUser(fake_telegram, FATIMA_ID, deliver=post, clock=clock, first_name="ف" * 300)

    def from_her(**content: Any) -> dict[str, Any]:
        update = fake_telegram.message(fatima, **content)
        update["message"]["from"] |= {
            "last_name": "ة" * 300,
            "username": "u" * 300,
            "language_code": "ar" * 50,
        }
        return update

    caplog.set_level(logging.WARNING)
    assert await post(from_her(text="س" * (LONGEST_TEXT + 1))) == 200  # one more than Telegram allows
    answer = "\n".join(texts_to(fake_telegram, FATIMA_ID))
    assert "أهلاً بك في «أسر»" in answer and ar(KEPT) in answer and ar(OFFERED) in answer  # kept, offered
    assert await post(from_her(text="لا")) == 200  # not for her office: nothing is sent, the menu again
    assert await post(from_her(text="تسجيل أسرتي")) == 200
    assert await post(from_her(text="فاطمة " * (LONGEST_TEXT // 6))) == 200  # a name of 4,092 characters
    assert "الاسم طويل جداً" in texts_to(fake_telegram, FATIMA_ID)[-1]  # the validator's own words

    # What Telegram never sends, forged with the secret: ignored, logged by name, nothing stored.
    forged_chat = fake_telegram.message(fatima, text="مرحبا")
    forged_chat["message"]["chat"]["id"] = 2**60
    forged_update = fake_telegram.message(fatima, text="مرحبا") | {"update_id": 10**40}
    long_phone = from_her(contact={"phone_number": "9" * 1000, "first_name": "x", "user_id": FATIMA_ID})
    long_data = fake_telegram.button(fatima, fake_telegram.sent_to(FATIMA_ID)[-1], "x" * 65)
    for forged in (forged_chat, forged_update, long_phone, long_data):
        assert await post(forged) == 200
    assert len(fake_telegram.sent_to(FATIMA_ID)) == 5 and fake_telegram.sent_to(2**60) == []
    for field in ("chat id", "update_id", "contact's phone number", "callback data"):
        assert f"ignored a Telegram update whose {field} is beyond what Telegram sends" in caplog.text
    assert "9999999999" not in caplog.text and "ف" * 10 not in caplog.text

    conversations = await database.run(lambda s: s.scalars(select(Conversation)).all())
    assert [(c.address, c.language) for c in conversations] == [(str(FATIMA_ID), "ar")]
    assert await database.run(beyond_columns) == []
    assert no_failure_logged(caplog)


async def test_whatsapp_fields_at_and_beyond_their_limits(
    whatsapp: Service, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    fatima = OnWhatsApp(whatsapp, "+966551234567")
    unread = {
        "ProfileName": "ف" * 1000,
        "WaId": "9" * 500,
        "To": "whatsapp:+" + "1" * 500,
        "NumMedia": "9" * 5000,
        "MediaUrl0": "https://api.twilio.com/" + "m" * 2000,
        "MediaContentType0": "image/" + "j" * 500,
        "ButtonText": "ب" * 5000,
    }
    await fatima.post({**unread, "Body": "س" * (LONGEST_TEXT + 1)})
    assert fatima.status == 200
    assert ar(KEPT) in "\n".join(fatima.heard) and ar(OFFERED) in "\n".join(fatima.heard)

    forger = OnWhatsApp(whatsapp, "+" + "9" * 499)  # a 'From' of 500 characters, signed
    await forger.post({"Body": "مرحبا"})
    assert forger.status == 400 and forger.heard == []
    not_a_number = OnWhatsApp(whatsapp, "+9665512345678901234")  # 19 digits: more than E.164 holds
    await not_a_number.post({"Body": "مرحبا"})
    assert not_a_number.status == 400
    await fatima.post({"Body": "مرحبا", "MessageSid": "SM" + "1" * 99})
    assert fatima.status == 400
    assert (
        "refused a WhatsApp message: From is not whatsapp:+ and a number of at most 15 digits" in caplog.text
    )
    assert "refused a WhatsApp message: MessageSid is longer than 100 characters" in caplog.text
    assert "99999" not in caplog.text

    conversations = await database.run(lambda s: s.scalars(select(Conversation)).all())
    assert [c.address for c in conversations] == ["+966551234567"]
    assert await database.run(beyond_columns) == []
    assert no_failure_logged(caplog)


async def test_a_megabyte_on_telegram_is_cut_before_the_engine_reads_it(
    telegram_webhook: Service,
    fake_telegram: FakeTelegram,
    clock: Clock,
    read_by_the_engine: list[int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert fake_telegram.webhook is not None
    secret = fake_telegram.webhook["secret_token"]
    post = webhook_poster(telegram_webhook, secret)
    fatima = TelegramUser(fake_telegram, FATIMA_ID, deliver=post, clock=clock)
    await fatima.says("مرحبا")
    assert await post(fake_telegram.message(fatima, text="a" * MEGABYTE)) == 200
    assert cut_in("\n".join(texts_to(fake_telegram, FATIMA_ID)))
    assert read_by_the_engine == [len("مرحبا"), LONGEST_KEPT]  # the rest never reached the turn

    caplog.set_level(logging.WARNING, logger="bot.web")
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"http://127.0.0.1:{telegram_webhook.port}{TELEGRAM_WEBHOOK}",
            json=fake_telegram.message(fatima, text="a" * (2 * MEGABYTE)),
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        ) as response,
    ):
        assert response.status == 413  # beyond the body limit: not even parsed
    assert f"refused a call to {TELEGRAM_WEBHOOK}: its body is larger than {BODY_LIMIT} bytes" in caplog.text
    assert len(read_by_the_engine) == 2


async def test_a_megabyte_on_whatsapp_is_cut_before_the_engine_reads_it(
    whatsapp: Service, read_by_the_engine: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    fatima = OnWhatsApp(whatsapp, "+966551234567")
    await fatima.says("مرحبا")
    await fatima.post({"Body": "a" * MEGABYTE})
    assert fatima.status == 200 and cut_in("\n".join(fatima.heard))
    assert read_by_the_engine == [len("مرحبا"), LONGEST_KEPT]

    caplog.set_level(logging.WARNING, logger="bot.web")
    await fatima.post({"Body": "a" * (2 * MEGABYTE)})
    assert fatima.status == 413
    assert f"refused a call to {WHATSAPP_WEBHOOK}: its body is larger than {BODY_LIMIT} bytes" in caplog.text
    assert len(read_by_the_engine) == 2


async def test_in_the_terminal_too_a_long_line_is_not_read_and_the_question_is_asked_again(
    fatima: Person, read_by_the_engine: list[int]
) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses(ar("Register my family"))
    await fatima.says("ف" * MEGABYTE)
    assert too_long_in("ar") in fatima.heard and "ما اسمك الكامل؟" in fatima.heard
    assert max(read_by_the_engine) == LONGEST_KEPT
    await fatima.says("فاطمة أحمد الزهراني")
    assert "رقم هويتك" in fatima.heard  # nothing of the long line was kept


def test_splitting_a_long_reply_measures_each_character_a_few_times_only() -> None:
    measured = 0

    def counting(text: str) -> int:
        nonlocal measured
        measured += len(text)
        return utf16_length(text)

    for reply in ("كلمة " * 20_000, "س" * 100_000, "سطر\n" * 25_000):
        measured = 0
        chunks = split_message(reply, 4096, counting)
        assert all(utf16_length(chunk) <= 4096 for chunk in chunks)
        assert "".join(chunks).replace(" ", "").replace("\n", "") == reply.replace(" ", "").replace("\n", "")
        assert measured <= 3 * len(reply)  # it was quadratic: each piece measured with all before it
    assert split_message("a\n\n" + " " * 5000 + "\n\nb", 4096) == ["a", "b"]  # blanks: nothing to send


async def test_what_an_admin_types_that_would_not_fit_is_refused_and_nothing_is_saved(
    database: Database, clock: Clock
) -> None:
    too_big = {
        "phone": "+" * 30 + "5551234",  # the phone column holds 20
        "whatsapp": "¹²³⁴⁵⁶⁷",  # digits to str.isdigit, not to a phone
        "map_url": "https://maps.example/" + "m" * 500,  # the column holds 500
        "address_ar": "ع" * (offices.TEXT_LENGTH + 1),
    }
    with pytest.raises(Refused) as refused:
        await database.run(lambda s: offices.edit(s, OPERATOR, "makkah", too_big, clock.now))
    assert [p.field for p in refused.value.problems] == ["phone", "whatsapp", "map_url", "address_ar"]
    school = replace(girls_school("م" * 201, clock.now + timedelta(days=10)), students=10**12)
    with pytest.raises(Refused) as refused:
        await database.run(lambda s: canteens.publish(s, OPERATOR, school, clock.now))
    assert {p.field for p in refused.value.problems} >= {"school", "students"}
    assert await database.run(beyond_columns) == []


async def test_staff_are_asked_again_for_a_number_or_a_reason_too_large_not_cut(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Canteen opportunities")
    await huda.chooses("Publish an opportunity")
    await huda.says("ابتدائية مكة")
    await huda.chooses("Primary school")
    await huda.chooses("Girls' school")
    await huda.says("حي النزهة")
    asked = huda.heard
    await huda.says("٣" * 4000)  # was an integer no column holds: a failed turn
    assert "Please type a number of at most 100000." in huda.heard and asked in huda.heard
    await huda.says("cancel")

    await fatima.registers()
    school = girls_school("ابتدائية الجموم", clock.now + timedelta(days=10))
    await database.run(lambda s: canteens.publish(s, OPERATOR, school, clock.now))
    await database.run(lambda s: stored_canteens.apply(s, 1, 1, clock.now))
    await huda.says("menu")
    await huda.chooses("Canteen opportunities")
    await huda.chooses("ابتدائية الجموم")
    await huda.chooses("فاطمة أحمد الزهراني")
    await huda.chooses("Reject")
    await huda.says("بعيدة " * 100)  # was cut at 500 characters without a word
    assert "Please keep it under 500 characters." in huda.heard and "Why? She will read it." in huda.heard
    await huda.says("المدرسة بعيدة عن منزلك")
    assert "With your reason, which she reads: المدرسة بعيدة عن منزلك" in huda.heard


def test_an_inbound_text_is_never_longer_than_we_keep() -> None:
    def inbound(length: int) -> Inbound:
        return Inbound(Channel.TERMINAL, "1", received_at=Clock().now, text="x" * length)

    assert [(len(i.text), i.too_long, i.cut) for i in map(inbound, (LONGEST_TEXT, LONGEST_TEXT + 1))] == [
        (LONGEST_TEXT, False, False),
        (LONGEST_TEXT + 1, True, False),  # too long to read as an answer, kept whole for her office
    ]
    beyond = inbound(LONGEST_KEPT + 1)
    assert (len(beyond.text), beyond.too_long, beyond.cut) == (LONGEST_KEPT, True, True)
