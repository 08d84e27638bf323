"""Telegram end to end: the real aiogram client, our service, and a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.service import Service
from core.channel import (
    Blocked,
    Option,
    Outbound,
    PermanentFailure,
    Reply,
    RetryAfter,
    Sent,
    TransientFailure,
)
from handlers.splitting import split_message, utf16_length
from handlers.telegram.api import BotApi
from handlers.telegram.replies import TEXT_LIMIT, messages
from handlers.telegram.sender import TelegramSender
from storage.db import Database
from storage.models import Beneficiary, Conversation
from tests.support.builders import FATIMA_ID, MARY_ID, families_on_telegram
from tests.support.clock import READING
from tests.support.fake_telegram import (
    TOKEN,
    FakeTelegram,
    TelegramUser,
    on_phone,
    settings_for,
    webhook_poster,
)
from tests.support.people import Clock
from tests.support.processes import start_usar, until_serving


@pytest.fixture
async def webhook(
    database: Database, database_url: str, fake_telegram: FakeTelegram, clock: Clock
) -> AsyncIterator[Service]:
    settings = settings_for(database_url, fake_telegram, public_url="https://usar.example.org/")
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    yield service
    await service.stop()


async def stored(database: Database) -> list[Beneficiary]:
    return list(await database.run(lambda s: s.scalars(select(Beneficiary)).all()))


async def test_a_full_registration_in_arabic_by_polling(
    polling: Service, fake_telegram: FakeTelegram, clock: Clock, database: Database
) -> None:
    fatima = on_phone(fake_telegram, FATIMA_ID, clock)
    await fatima.says("/start")
    welcome = await fatima.hears("كيف يمكنني مساعدتك؟")
    assert [row[0]["text"] for row in welcome["reply_markup"]["inline_keyboard"]] == [
        "تسجيل أسرتي",
        "عن مشروع أسر",
        "التواصل مع مكتبي",
        "English",
    ]
    await fatima.presses("تسجيل أسرتي")
    await fatima.hears("ما اسمك الكامل؟")
    await fake_telegram.wait_for(lambda: len(fake_telegram.callback_answers) == 1)  # the spinner stopped
    await fatima.says("فاطمة أحمد الزهراني")
    await fatima.hears("ما رقم هويتك الوطنية")
    await fatima.says("١٠٠٠٠٠٠٠٠٨")
    question = await fatima.hears("ما رقم جوالك؟")
    [[share]] = question["reply_markup"]["keyboard"]
    assert share == {"text": "📱 مشاركة رقمي", "request_contact": True}
    await fatima.shares_contact("966551234567")
    thanks = await fatima.hears("شكراً. رقم جوالك:")
    assert thanks["reply_markup"] == {"remove_keyboard": True}  # the share button goes with her number
    await fatima.hears("ما مكتب الضمان الاجتماعي الذي يخدمك؟")
    await fatima.presses("الجموم")
    await fatima.hears("ماذا تنتج أسرتك؟")
    await fatima.presses("وجبات مطبوخة")
    await fatima.hears("ماذا تنتج أسرتك؟")
    await fatima.presses("خياطة")
    await fatima.hears("ماذا تنتج أسرتك؟")
    await fatima.presses("تم")
    await fatima.hears("هل لديك شهادة صحية")
    await fatima.presses("نعم")
    await fatima.hears("مقصف مدرسي")
    await fatima.says("٢")
    await fatima.hears("هل توافقين؟")
    await fatima.presses("أوافق")
    summary = await fatima.hears("فضلاً راجعي إجاباتك")
    assert "المنتجات: وجبات مطبوخة وخياطة" in summary["text"]
    await fatima.presses("حفظ")
    await fatima.hears("تم تسجيل أسرتك")

    [family] = await stored(database)
    assert (family.full_name, family.national_id, family.mobile) == (
        "فاطمة أحمد الزهراني",
        "1000000008",
        "+966551234567",
    )
    assert (family.office_code, family.health_certificate, family.canteen_interest) == ("jumum", True, False)
    assert family.consented_at == clock.now - timedelta(seconds=READING)  # her «أوافق», before «حفظ»


async def test_a_full_registration_in_english_by_webhook(
    webhook: Service, fake_telegram: FakeTelegram, clock: Clock, database: Database
) -> None:
    assert fake_telegram.webhook is not None
    assert fake_telegram.webhook["url"] == "https://usar.example.org/webhooks/telegram"
    secret = fake_telegram.webhook["secret_token"]
    mary = TelegramUser(
        fake_telegram,
        MARY_ID,
        deliver=webhook_poster(webhook, secret),
        clock=clock,
        first_name="Mary",
        language_code="en",
    )
    await mary.says("Hello")
    await mary.hears("Welcome to Usar")
    await mary.presses("Register my family")
    for answer, question in (
        ("Mary Ann Smith", "national ID number"),
        ("2000000006", "mobile number"),
        ("0500000002", "social-security office"),
    ):
        await mary.says(answer)
        await mary.hears(question)
    await mary.presses("Jeddah")
    await mary.says("1 2")
    products = await mary.hears("What does your family make?")
    assert "✅ Cooked meals" in str(products["reply_markup"]) and "✅ Baked goods" in str(
        products["reply_markup"]
    )
    await mary.presses("Done")
    await mary.presses("No")
    await mary.presses("Yes")
    await mary.presses("I agree")
    await mary.hears("Please check your answers")
    await mary.presses("Save")
    await mary.hears("Thank you, Mary! Your family is registered.")
    [family] = await stored(database)
    assert (family.office_code, family.language, family.mobile) == ("jeddah", "en", "+966500000002")


@pytest.mark.parametrize("secret", [None, "", "not-our-secret"])
async def test_a_webhook_call_without_our_secret_is_refused_and_changes_nothing(
    webhook: Service,
    fake_telegram: FakeTelegram,
    clock: Clock,
    database: Database,
    secret: str | None,
    caplog: Any,
) -> None:
    intruder = on_phone(fake_telegram, FATIMA_ID, clock)
    post = webhook_poster(webhook, secret)
    with caplog.at_level(logging.WARNING, logger="handlers.telegram.webhook"):
        status = await post(fake_telegram.message(intruder, text="hello"))
    assert status == 401
    assert fake_telegram.sent == []
    assert "refused a Telegram webhook call" in caplog.text
    assert await database.run(lambda s: s.scalars(select(Conversation)).all()) == []


async def test_only_her_own_contact_fills_the_mobile(
    polling: Service, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    fatima = on_phone(fake_telegram, FATIMA_ID, clock)
    await fatima.says("مرحبا")
    await fatima.hears("كيف يمكنني مساعدتك؟")
    await fatima.presses("تسجيل أسرتي")
    await fatima.says("فاطمة أحمد")
    await fatima.hears("رقم هويتك")
    await fatima.says("1000000008")
    await fatima.hears("ما رقم جوالك؟")
    await fatima.shares_contact("966559999999", of_user=777)
    await fatima.hears("فضلاً شاركي رقمك أنتِ")
    await fatima.hears("ما رقم جوالك؟")
    await fatima.shares_contact("+966551234567")
    await fatima.hears("ما مكتب الضمان الاجتماعي")


async def at_her_name(fake_telegram: FakeTelegram, chat: int, clock: Clock) -> TelegramUser:
    """She greets the bot and starts registering: the question of her name is on her screen."""
    her = on_phone(fake_telegram, chat, clock)
    await her.says("مرحبا")
    await her.hears("كيف يمكنني مساعدتك؟")
    await her.presses("تسجيل أسرتي")
    await her.hears("ما اسمك الكامل؟")
    return her


async def at_her_mobile(
    fake_telegram: FakeTelegram, chat: int, clock: Clock, name: str, national_id: str
) -> TelegramUser:
    """… and gives her name and ID: the question of her mobile, with its share button, is on her screen."""
    her = await at_her_name(fake_telegram, chat, clock)
    await her.says(name)
    await her.says(national_id)
    await her.hears("ما رقم جوالك؟")
    return her


async def test_a_typed_number_removes_the_share_button_and_leaving_the_question_does_at_the_next_text(
    polling: Service, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    fatima = await at_her_mobile(fake_telegram, FATIMA_ID, clock, "فاطمة أحمد", "1000000008")
    await fatima.says("٠٥٥١٢٣٤٥٦٧")
    thanks = await fatima.hears("شكراً. رقم جوالك:")
    assert thanks["reply_markup"] == {"remove_keyboard": True}

    noura = await at_her_mobile(fake_telegram, FATIMA_ID + 1, clock, "نورة سعد", "1000000016")
    await noura.says("القائمة")  # she leaves the question: the menu has buttons, so the keyboard stays …
    menu = await noura.hears("كيف يمكنني مساعدتك؟")
    assert "inline_keyboard" in menu["reply_markup"]
    await noura.says("شكرا")  # … until a message without buttons can remove it
    await fake_telegram.wait_for(lambda: len(fake_telegram.sent_to(FATIMA_ID + 1)) == 7)
    [welcome, again] = fake_telegram.sent_to(FATIMA_ID + 1)[-2:]
    assert welcome["reply_markup"] == {"remove_keyboard": True} and "inline_keyboard" in again["reply_markup"]


async def test_an_old_or_forged_button_gets_a_clear_answer(
    polling: Service, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    fatima = await at_her_name(fake_telegram, FATIMA_ID, clock)
    await fatima.presses("عن مشروع أسر")  # a button of the welcome message, no longer on offer
    await fatima.hears("هذا الخيار لم يعد متاحاً")
    await fatima.hears("ما اسمك الكامل؟")
    await fatima.presses_data("staff:registrations")  # forged: never offered to her
    await fatima.hears("هذا الخيار لم يعد متاحاً")
    await fake_telegram.wait_for(lambda: len(fake_telegram.callback_answers) == 3)


async def test_a_photo_in_a_form_gets_please_type(
    polling: Service, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    fatima = await at_her_name(fake_telegram, FATIMA_ID, clock)
    await fatima.sends_photo()
    await fatima.hears("أستطيع قراءة الرسائل المكتوبة فقط")


async def test_a_sticker_or_a_location_is_answered_plainly_and_her_question_asked_again(
    polling: Service, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    fatima = await at_her_name(fake_telegram, FATIMA_ID, clock)
    await fatima.sends_sticker()
    await fatima.hears("لا أستطيع قراءة الملصقات")
    await fatima.sends_location()
    said = await fatima.hears("وصلني موقعك")
    assert "ما اسمك الكامل؟" in said["text"]


async def test_staff_see_the_staff_menu_and_nobody_else_does(
    polling: Service, fake_telegram: FakeTelegram, clock: Clock, database: Database
) -> None:
    from core.domain import StaffRole
    from storage import staff

    await database.run(lambda s: staff.add_or_update(s, str(MARY_ID), StaffRole.STAFF, "jumum", clock.now))
    officer = on_phone(fake_telegram, MARY_ID, clock, first_name="Mary", language_code="en")
    await officer.says("/start")
    menu = await officer.hears("Staff menu")
    assert "Registrations" in str(menu["reply_markup"])
    await officer.presses("Registrations")
    await officer.hears("Al-Jumum: 0 registered, 0 waiting for verification")
    assert "Makkah" not in officer.new_messages[0]["text"]  # her own office only

    fatima = on_phone(fake_telegram, FATIMA_ID, clock)
    await fatima.says("/start")
    await fatima.hears("كيف يمكنني مساعدتك؟")
    for attempt in ("staff", "Staff menu", "Registrations"):  # words a family may write: for her office
        await fatima.says(attempt)
        await fatima.hears("هل أرسله إلى مكتبك؟")
        assert all(
            "Staff" not in m["text"] and "قائمة فريق المكتب" not in m["text"] for m in fatima.new_messages
        )


async def test_the_web_server_answers_health_checks(polling: Service) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{polling.port}/healthz") as response,
    ):
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


def test_a_long_reply_is_split_under_the_limit_between_lines_and_words() -> None:
    paragraph = " ".join(["كلمة"] * 1500)  # one paragraph of ~7,500 characters
    options = tuple(Option(label=f"option {n}", payload=f"o{n}") for n in range(3))
    parts = messages(Reply(text=f"{paragraph}\n\nخيار أخير", options=options))
    assert len(parts) >= 2
    assert all(utf16_length(part.text) <= TEXT_LIMIT for part in parts)
    assert all(not part.text.startswith(" ") and "كلم " not in part.text for part in parts)
    assert " ".join(part.text for part in parts).split() == f"{paragraph}\n\nخيار أخير".split()
    assert parts[-1].reply_markup is not None and all(part.reply_markup is None for part in parts[:-1])


def test_splitting_keeps_each_line_whole_and_counts_emoji_as_telegram_does() -> None:
    lines = [f"{n}. ✅ {'خيار ' * 10}" for n in range(200)]
    chunks = split_message("\n".join(lines), 1000, utf16_length)
    assert [line for chunk in chunks for line in chunk.split("\n")] == lines
    assert all(utf16_length(chunk) <= 1000 for chunk in chunks)
    assert split_message("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]  # only a giant word is cut


@pytest.fixture
async def sender(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramSender]:
    api = BotApi(TOKEN, fake_telegram.url)
    yield TelegramSender(api)
    await api.close()


async def test_the_sender_reports_a_sent_message_with_its_id(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    outcome = await sender.send(Outbound(str(FATIMA_ID), Reply(text="تذكير بالدورة غداً")))
    assert outcome == Sent(str(fake_telegram.sent[-1]["message_id"]))
    assert fake_telegram.sent[-1]["text"] == "تذكير بالدورة غداً"


@pytest.mark.parametrize(
    ("status", "description", "parameters", "expected"),
    [
        (429, "Too Many Requests: retry after 35", {"retry_after": 35}, RetryAfter(35.0)),
        (
            403,
            "Forbidden: bot was blocked by the user",
            {},
            Blocked("Forbidden: bot was blocked by the user"),
        ),
        (
            403,
            "Forbidden: bot can't initiate conversation with a user",
            {},
            Blocked("Forbidden: bot can't initiate conversation with a user"),
        ),
        (400, "Bad Request: chat not found", {}, PermanentFailure("Bad Request: chat not found")),
        (
            500,
            "Internal Server Error",
            {},
            TransientFailure("Telegram's server: 500 Internal Server Error"),
        ),
        (502, "Bad Gateway", {}, TransientFailure("Telegram's server: 502 Bad Gateway")),
    ],
)
async def test_the_sender_maps_every_failure_to_an_outcome(
    sender: TelegramSender,
    fake_telegram: FakeTelegram,
    status: int,
    description: str,
    parameters: dict[str, Any],
    expected: object,
) -> None:
    fake_telegram.fail_next_send(status, description, **parameters)
    assert await sender.send(Outbound(str(FATIMA_ID), Reply(text="إعلان"))) == expected


async def test_the_sender_calls_a_refused_connection_transient() -> None:
    api = BotApi(TOKEN, "http://127.0.0.1:9")  # the discard port: nothing listens there
    try:
        outcome = await TelegramSender(api).send(Outbound(str(FATIMA_ID), Reply(text="إعلان")))
    finally:
        await api.close()
    assert isinstance(outcome, TransientFailure)


async def test_the_sender_refuses_an_address_that_is_not_a_chat_id(sender: TelegramSender) -> None:
    assert await sender.send(Outbound("+966551234567", Reply(text="x"))) == PermanentFailure(
        "not a Telegram chat id"
    )


async def test_a_button_press_too_old_to_acknowledge_is_still_answered_once(
    webhook: Service, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    assert fake_telegram.webhook is not None
    post = webhook_poster(webhook, fake_telegram.webhook["secret_token"])
    fatima = TelegramUser(fake_telegram, FATIMA_ID, deliver=post, clock=clock)
    await fatima.says("مرحبا")
    fake_telegram.answer_faults.append(
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: query is too old"})
    )
    message, data = fatima.button_for("تسجيل أسرتي")
    status = await post(fake_telegram.button(fatima, message, data))
    assert status == 200  # so Telegram does not deliver the press again
    assert [m["text"] for m in fake_telegram.sent_to(FATIMA_ID)][-1].endswith("ما اسمك الكامل؟")


async def test_her_data_reaches_her_chat_as_messages_then_a_file(
    polling: Service, fake_telegram: FakeTelegram, clock: Clock, database: Database
) -> None:
    await families_on_telegram(database, clock, 1)  # «أسرة 1», chat 9001
    fatima = on_phone(fake_telegram, 9001, clock)
    await fatima.says("حسابي")
    await fatima.hears("حسابي")
    await fatima.presses("إرسال نسخة من بياناتي")
    # Her account's menu comes last, with its buttons, after the file.
    await fake_telegram.wait_for(
        lambda: (
            "document" in str(fatima.new_messages[:-1]) and bool(fatima.new_messages[-1].get("reply_markup"))
        )
    )
    said = fatima.new_messages
    [file] = [message for message in said if "document" in message]
    assert said.index(file) == len(said) - 2  # after the text that announces it, before the menu
    assert "تجدين البيانات نفسها في هذا الملف" in said[-3]["text"]
    assert file["document"]["file_name"] == "usar-my-data-2026-11-28.json"
    copy = json.loads(file["document"]["content"])
    assert (copy["registration"]["full_name"], copy["registration"]["mobile"]) == ("أسرة 1", "+966500000001")
    assert copy["chats"][0]["channel"] == "telegram" and copy["chats"][0]["address"] == "9001"
    assert "أسرة 1" in said[0]["text"]  # the messages before it say the same


async def test_usar_run_answers_on_telegram_and_stops_cleanly_on_sigterm(
    fake_telegram: FakeTelegram, tmp_path: Path, clock: Clock
) -> None:
    settings = {
        "USAR_TELEGRAM_TOKEN": TOKEN,
        "USAR_TELEGRAM_API_BASE": fake_telegram.url,
        "USAR_HTTP_PORT": "0",
        "USAR_DATABASE_URL": f"sqlite:///{tmp_path / 'usar.db'}",
    }
    process = await start_usar("run", cwd=tmp_path, settings=settings, stderr=asyncio.subprocess.PIPE)
    try:
        await until_serving(process)
        fatima = on_phone(fake_telegram, FATIMA_ID, clock)
        await fatima.says("/start")
        await fatima.hears("كيف يمكنني مساعدتك؟")
        assert "deletewebhook" in fake_telegram.calls  # polling, since no public URL is set
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, errors.decode()
    assert str(FATIMA_ID) not in errors.decode()  # her chat id is personal data: never logged
