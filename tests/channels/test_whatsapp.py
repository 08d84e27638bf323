"""WhatsApp end to end: forms signed with Twilio's real algorithm, posted to our running web server."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.service import Service
from conversations.engine.engine import Engine
from core.channel import (
    Blocked,
    Channel,
    NeedsTemplate,
    Option,
    Outbound,
    PermanentFailure,
    Reply,
    RetryAfter,
    Sent,
    TransientFailure,
)
from handlers.whatsapp.replies import BODY_LIMIT, bodies
from handlers.whatsapp.sender import WhatsAppSender, twilio_client
from handlers.whatsapp.webhook import STATUS_WEBHOOK, WHATSAPP_WEBHOOK
from storage import conversations, delivery_reports
from storage.db import Database
from storage.models import Beneficiary, Conversation
from tests.support.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BUSINESS,
    PUBLIC_URL,
    TEMPLATE,
    FakeTwilio,
    OnWhatsApp,
    whatsapp_settings,
)
from tests.support.people import Clock, Person


@pytest.fixture
async def whatsapp(database: Database, database_url: str, clock: Clock) -> AsyncIterator[Service]:
    service = Service(whatsapp_settings(database_url), clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    yield service
    await service.stop()


async def test_a_full_registration_in_arabic_over_whatsapp(
    whatsapp: Service, database: Database, clock: Clock
) -> None:
    fatima = OnWhatsApp(whatsapp, "+966551234567")
    welcome = await fatima.says("السلام عليكم")
    assert "أهلاً بك في «أسر»" in welcome
    assert (
        "1. تسجيل أسرتي\n2. عن مشروع أسر\n3. التواصل مع مكتبي\n4. English" in welcome
    )  # options as a numbered list
    assert "ما اسمك الكامل؟" in await fatima.says("١")
    assert "رقم هويتك" in await fatima.says("فاطمة أحمد الزهراني")
    office = await fatima.says("١٠٠٠٠٠٠٠٠٨")
    assert (
        "ما رقم جوالك؟" not in office and "ما مكتب الضمان الاجتماعي الذي يخدمك؟" in office
    )  # her number is known
    assert "ماذا تنتج أسرتك؟" in await fatima.says("جدة")
    assert "✅ وجبات مطبوخة" in await fatima.says("١ ٢")
    assert "هل لديك شهادة صحية" in await fatima.says("تم")
    await fatima.says("نعم")
    await fatima.says("نعم")
    summary = await fatima.says("أوافق")
    assert "فضلاً راجعي إجاباتك" in summary
    assert "القائمة الرئيسية" in await fatima.says("1")
    [family] = await database.run(lambda s: s.scalars(select(Beneficiary)).all())
    assert (family.mobile, family.national_id, family.office_code) == (
        "+966551234567",
        "1000000008",
        "jeddah",
    )
    [conversation] = await database.run(lambda s: s.scalars(select(Conversation)).all())
    assert (conversation.channel, conversation.address) == ("whatsapp", "+966551234567")
    assert conversation.last_inbound_at == clock.now


@pytest.mark.parametrize("forgery", ["unsigned", "signed with another token", "signature of other content"])
async def test_a_forged_or_unsigned_request_is_refused_and_changes_nothing(
    whatsapp: Service, database: Database, forgery: str, caplog: Any
) -> None:
    intruder = OnWhatsApp(whatsapp, "+966551234567", signing_token="not-the-auth-token")
    with caplog.at_level(logging.WARNING, logger="handlers.whatsapp.webhook"):
        if forgery == "unsigned":
            await intruder.post({"Body": "hello"}, signature="")
        elif forgery == "signed with another token":
            await intruder.post({"Body": "hello"})
        else:
            other = RequestValidator(AUTH_TOKEN).compute_signature(
                PUBLIC_URL + WHATSAPP_WEBHOOK, {"Body": "other"}
            )
            await intruder.post({"Body": "hello"}, signature=other)
    assert intruder.status == 403 and intruder.heard == []
    assert "refused a Twilio webhook call" in caplog.text and "966551234567" not in caplog.text
    assert await database.run(lambda s: s.scalars(select(Conversation)).all()) == []


async def test_a_photo_in_a_form_gets_please_type(whatsapp: Service) -> None:
    fatima = OnWhatsApp(whatsapp, "+966551234567")
    await fatima.says("مرحبا")
    assert "ما اسمك الكامل؟" in await fatima.says("1")
    assert "أستطيع قراءة الرسائل المكتوبة فقط" in await fatima.sends_photo()


async def test_a_location_pin_a_sticker_and_a_contact_card_each_get_a_plain_answer(
    whatsapp: Service, database: Database
) -> None:
    fatima = OnWhatsApp(whatsapp, "+966551234567")
    await fatima.says("مرحبا")
    assert "ما اسمك الكامل؟" in await fatima.says("1")
    await fatima.post({"Body": "", "Latitude": "21.4225", "Longitude": "39.8262", "Address": "مكة"})
    pin = "\n".join(fatima.heard)
    assert "وصلني موقعك، لكني لا أستطيع قراءة المواقع" in pin and pin.endswith("ما اسمك الكامل؟")
    await fatima.post(file_of("image/webp"))
    assert "لا أستطيع قراءة الملصقات" in "\n".join(fatima.heard)
    await fatima.post(file_of("text/vcard"))
    card = "\n".join(fatima.heard)
    assert "لا أستطيع قراءة بطاقة جهة الاتصال" in card and card.endswith("ما اسمك الكامل؟")
    assert "ما رقم هويتك" in await fatima.says("فاطمة أحمد")  # her answers go on where they were


def file_of(content_type: str) -> dict[str, str]:
    return {"Body": "", "NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/1",
            "MediaContentType0": content_type}  # fmt: skip


async def test_a_family_registered_on_telegram_confirms_its_id_once_on_whatsapp(
    engine: Engine, clock: Clock, database: Database
) -> None:
    on_telegram = Person(engine, clock, address="5550001", channel=Channel.TELEGRAM)
    await on_telegram.registers(mobile="0551234567", national_id="1000000008")  # typed, not vouched for
    on_whatsapp = Person(engine, clock, address="+966551234567", channel=Channel.WHATSAPP)
    await on_whatsapp.says("السلام عليكم")
    assert "رقم الجوال هذا مسجّل لدينا" in on_whatsapp.heard and "حسابي" not in on_whatsapp.heard
    await on_whatsapp.says("١٠٠٠٠٠٠٠٠٨")
    assert "أهلاً يا فاطمة! رقمك مسجّل لدينا" in on_whatsapp.heard
    assert on_whatsapp.options[-2:] == ["حسابي", "التواصل مع مكتبي"]  # her main menu
    family = await database.run(lambda s: s.scalars(select(Beneficiary)).one())
    assert family.mobile_verified_at == clock.now  # WhatsApp vouched for it now


async def test_someone_who_typed_her_number_cannot_take_her_whatsapp(
    engine: Engine, clock: Clock, database: Database
) -> None:
    impostor = Person(engine, clock, address="5550666", channel=Channel.TELEGRAM)
    await impostor.registers(name="منتحلة الشخصية", mobile="0551234567", national_id="1000000008")
    owner = Person(engine, clock, address="+966551234567", channel=Channel.WHATSAPP)
    await owner.says("مرحبا")
    for wrong in ("2000000006", "1010101010", "2000000006"):
        await owner.says(wrong)
    assert "هذا الرقم مسجّل لأسرة أخرى" in owner.heard and "تواصلي مع مكتبك" in owner.heard
    assert "منتحلة" not in owner.heard and owner.options[0] == "تسجيل أسرتي"
    await owner.says("مرحبا")
    assert "رقم الجوال هذا مسجّل لدينا" not in owner.heard  # not asked again
    linked = await database.run(lambda s: s.scalars(select(Conversation.beneficiary_id)).all())
    assert sorted(linked, key=str) == sorted([1, None], key=str)  # only the impostor's own chat


async def test_a_family_whose_number_was_shared_is_recognised_at_once(engine: Engine, clock: Clock) -> None:
    on_telegram = Person(engine, clock, address="5550001", channel=Channel.TELEGRAM)
    await on_telegram.says("مرحبا")
    await on_telegram.chooses("تسجيل أسرتي")
    await on_telegram.says("فاطمة أحمد")
    await on_telegram.says("1000000008")
    await on_telegram.shares_contact("966551234567")
    for answer in ("1", "1", "7", "1", "1", "1", "1"):
        await on_telegram.says(answer)
    assert "تم تسجيل أسرتك" in on_telegram.heard
    on_whatsapp = Person(engine, clock, address="+966551234567", channel=Channel.WHATSAPP)
    await on_whatsapp.says("STOP")
    assert "أهلاً يا فاطمة! رقمك مسجّل لدينا" in on_whatsapp.heard
    assert (
        "لن تصلك الإعلانات والنصائح ودعوات الدورات بعد الآن" in on_whatsapp.heard
    )  # her first message still counted


async def test_sharing_her_contact_on_telegram_recognises_a_whatsapp_registration(
    engine: Engine, clock: Clock, database: Database
) -> None:
    on_whatsapp = Person(engine, clock, address="+966551234567", channel=Channel.WHATSAPP)
    await on_whatsapp.registers(national_id="1000000008")  # her WhatsApp number: vouched for
    on_telegram = Person(engine, clock, address="5550001", channel=Channel.TELEGRAM)
    await on_telegram.says("مرحبا")
    await on_telegram.chooses("تسجيل أسرتي")
    await on_telegram.says("فاطمة أحمد")
    await on_telegram.says("2000000006")
    await on_telegram.shares_contact("966551234567")
    assert "رقمك مسجّل لدينا" in on_telegram.heard and on_telegram.options[-2:] == [
        "حسابي",
        "التواصل مع مكتبي",
    ]
    linked = await database.run(lambda s: s.scalars(select(Conversation.beneficiary_id)).all())
    assert len(linked) == 2 and len(set(linked)) == 1 and None not in linked
    assert len(await database.run(lambda s: s.scalars(select(Beneficiary)).all())) == 1


async def test_a_typed_number_links_nothing(engine: Engine, clock: Clock) -> None:
    on_whatsapp = Person(engine, clock, address="+966551234567", channel=Channel.WHATSAPP)
    await on_whatsapp.registers()
    stranger = Person(engine, clock, address="5550009", channel=Channel.TELEGRAM)
    await stranger.says("مرحبا")
    await stranger.chooses("تسجيل أسرتي")
    await stranger.says("سارة علي")
    await stranger.says("2000000006")
    await stranger.says("0551234567")  # typed, not shared: someone else's number
    assert "رقم الجوال هذا مسجّل لدينا من قبل" in stranger.heard


def test_a_long_reply_is_split_under_whatsapps_limit_with_the_options_whole() -> None:
    options = tuple(Option(label=f"خيار رقم {n}", payload=f"o{n}") for n in range(1, 9))
    parts = bodies([Reply(text="سطر طويل من النص. " * 150), Reply(text="اختاري:", options=options)])
    assert len(parts) >= 2 and all(len(part) <= BODY_LIMIT for part in parts)
    assert "\n".join(f"{n}. خيار رقم {n}" for n in range(1, 9)) in parts[-1]


@pytest.fixture
async def sender(fake_twilio: FakeTwilio, clock: Clock) -> AsyncIterator[WhatsAppSender]:
    client = twilio_client(ACCOUNT_SID, AUTH_TOKEN, fake_twilio.url)
    yield WhatsAppSender(client, BUSINESS, {"announcement": TEMPLATE}, PUBLIC_URL + STATUS_WEBHOOK, clock)
    await client.http_client.close()


def announcement(
    clock: Clock, *, hours_since_she_wrote: float | None, kind: str = "announcement"
) -> Outbound:
    wrote = None if hours_since_she_wrote is None else clock.now - timedelta(hours=hours_since_she_wrote)
    return Outbound(
        address="+966551234567",
        reply=Reply(text="تذكير: ملتقى الأسر المنتجة غداً"),
        kind=kind,
        template_variables=(("1", "فاطمة"),),
        last_inbound_at=wrote,
    )


async def test_inside_the_window_free_text_is_sent(
    sender: WhatsAppSender, fake_twilio: FakeTwilio, clock: Clock
) -> None:
    outcome = await sender.send(announcement(clock, hours_since_she_wrote=23))
    [created] = fake_twilio.created
    assert outcome == Sent(created["Sid"])
    assert created["To"] == "whatsapp:+966551234567" and created["From"] == BUSINESS
    assert created["Body"] == "تذكير: ملتقى الأسر المنتجة غداً" and "ContentSid" not in created
    assert created["StatusCallback"] == PUBLIC_URL + STATUS_WEBHOOK


async def test_outside_the_window_the_approved_template_is_sent(
    sender: WhatsAppSender, fake_twilio: FakeTwilio, clock: Clock
) -> None:
    outcome = await sender.send(announcement(clock, hours_since_she_wrote=25))
    [created] = fake_twilio.created
    assert outcome == Sent(created["Sid"], template=True)
    assert created["ContentSid"] == TEMPLATE and "Body" not in created
    assert json.loads(created["ContentVariables"]) == {"1": "فاطمة"}


@pytest.mark.parametrize("hours", [25, None])
async def test_outside_the_window_without_a_template_nothing_is_sent(
    sender: WhatsAppSender, fake_twilio: FakeTwilio, clock: Clock, hours: float | None
) -> None:
    assert await sender.send(announcement(clock, hours_since_she_wrote=hours, kind="tip")) == NeedsTemplate(
        "tip"
    )
    assert fake_twilio.created == []


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (429, 20429, RetryAfter(1.0)),
        (400, 63016, NeedsTemplate("announcement")),
        (400, 21610, Blocked("21610: Unable to create record: Attempt to send to unsubscribed recipient")),
        (400, 21211, PermanentFailure("400 21211: Unable to create record: Invalid 'To' Phone Number")),
        (503, 20500, TransientFailure("503 20500: Unable to create record: Service unavailable")),
    ],
)
async def test_twilio_errors_map_to_outcomes(
    sender: WhatsAppSender, fake_twilio: FakeTwilio, clock: Clock, status: int, code: int, expected: object
) -> None:
    messages = {
        20429: "Too Many Requests",
        63016: "Failed to send freeform message because you are outside the allowed window.",
        21610: "Attempt to send to unsubscribed recipient",
        21211: "Invalid 'To' Phone Number",
        20500: "Service unavailable",
    }
    fake_twilio.fail_next(status, code, messages[code])
    assert await sender.send(announcement(clock, hours_since_she_wrote=1)) == expected


async def test_an_unreachable_twilio_is_transient(clock: Clock) -> None:
    client = twilio_client(ACCOUNT_SID, AUTH_TOKEN, "http://127.0.0.1:9")
    try:
        outcome = await WhatsAppSender(client, BUSINESS, {}, None, clock).send(
            announcement(clock, hours_since_she_wrote=1)
        )
    finally:
        await client.http_client.close()
    assert isinstance(outcome, TransientFailure)


async def test_a_status_callback_is_recorded_against_its_message(
    whatsapp: Service, database: Database
) -> None:
    twilio = OnWhatsApp(whatsapp, "+966551234567")
    for status, error in (("sent", None), ("delivered", None), ("failed", "63016")):
        params = {"MessageSid": "SM" + "1" * 32, "MessageStatus": status, "AccountSid": ACCOUNT_SID}
        if error:
            params["ErrorCode"] = error
        await twilio.post_to(STATUS_WEBHOOK, params)
        assert twilio.status == 204
    reports = await database.run(lambda s: delivery_reports.reports_for(s, "SM" + "1" * 32))
    assert [(r.status, r.error_code) for r in reports] == [
        ("sent", None),
        ("delivered", None),
        ("failed", "63016"),
    ]


async def test_a_forged_status_callback_is_refused(whatsapp: Service, database: Database) -> None:
    forger = OnWhatsApp(whatsapp, "+966551234567", signing_token="not-the-auth-token")
    await forger.post_to(STATUS_WEBHOOK, {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"})
    assert forger.status == 403
    assert await database.run(lambda s: delivery_reports.reports_for(s, "SM" + "1" * 32)) == []


async def test_announcements_go_to_the_channel_she_used_last(
    engine: Engine, clock: Clock, database: Database
) -> None:
    on_telegram = Person(engine, clock, address="5550001", channel=Channel.TELEGRAM)
    await on_telegram.registers(mobile="0551234567")
    family_id = (await database.run(lambda s: s.scalars(select(Beneficiary)).one())).id
    assert (await database.run(lambda s: conversations.reach(s, family_id))) == conversations.Reach(
        "telegram", "5550001", clock.now
    )
    clock.advance(hours=2)
    on_whatsapp = Person(engine, clock, address="+966551234567", channel=Channel.WHATSAPP)
    await on_whatsapp.says("مرحبا")
    await on_whatsapp.says("1000000008")  # her typed number, confirmed with the family's ID
    reach = await database.run(lambda s: conversations.reach(s, family_id))
    assert reach == conversations.Reach("whatsapp", "+966551234567", clock.now)
    clock.advance(hours=1)
    await on_telegram.says("القائمة")
    assert (await database.run(lambda s: conversations.reach(s, family_id))).channel == "telegram"  # type: ignore[union-attr]


async def test_wrong_credentials_are_a_fault_to_fix_not_her_number(
    fake_twilio: FakeTwilio, clock: Clock
) -> None:
    client = twilio_client(ACCOUNT_SID, "a-wrong-auth-token", fake_twilio.url)
    try:
        outcome = await WhatsAppSender(client, BUSINESS, {}, None, clock).send(
            announcement(clock, hours_since_she_wrote=1)
        )
    finally:
        await client.http_client.close()
    assert isinstance(outcome, TransientFailure) and "credentials" in outcome.reason
    assert fake_twilio.created == []


async def test_the_window_keeps_a_margin_before_24_hours(
    sender: WhatsAppSender, fake_twilio: FakeTwilio, clock: Clock
) -> None:
    assert await sender.send(announcement(clock, hours_since_she_wrote=23.9, kind="tip")) == NeedsTemplate(
        "tip"
    )


async def test_twilio_sending_a_message_again_is_answered_once(whatsapp: Service, database: Database) -> None:
    fatima = OnWhatsApp(whatsapp, "+966551234567")
    await fatima.says("مرحبا")
    params = {"From": "whatsapp:+966551234567", "To": BUSINESS, "MessageSid": "SM" + "7" * 32, "Body": "1"}
    await fatima.post_to(WHATSAPP_WEBHOOK, params)
    assert "ما اسمك الكامل؟" in "\n".join(fatima.heard)
    await fatima.post_to(WHATSAPP_WEBHOOK, params)  # the same message, delivered again
    assert fatima.status == 200 and fatima.heard == []
    assert "رقم هويتك" in await fatima.says("فاطمة أحمد")  # the name answered the question asked once


async def test_a_webhook_url_with_an_encoded_query_is_verified_as_twilio_signed_it(whatsapp: Service) -> None:
    params = {
        "From": "whatsapp:+966551234567",
        "To": BUSINESS,
        "MessageSid": "SM" + "8" * 32,
        "Body": "hi",
    }
    query = "office=al%20jumum"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        f"{PUBLIC_URL}{WHATSAPP_WEBHOOK}?{query}", params
    )
    url = f"http://127.0.0.1:{whatsapp.port}{WHATSAPP_WEBHOOK}?{query}"
    headers = {"X-Twilio-Signature": signature}
    async with aiohttp.ClientSession() as http, http.post(url, data=params, headers=headers) as response:
        assert response.status == 200
