"""WhatsApp end to end: forms signed with Twilio's real algorithm, posted to our running web server."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.service import Service
from bot.settings import Settings
from bot.web import WHATSAPP_WEBHOOK
from conversations.engine import Engine
from conversations.messages import Channel, Option, Reply
from handlers.whatsapp.replies import BODY_LIMIT, bodies
from storage.db import Database
from storage.models import Beneficiary, Conversation
from tests.people import Clock, Person

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_URL = "https://usar.example.org"
BUSINESS = "whatsapp:+14155238886"


@pytest.fixture
async def whatsapp(database: Database, database_url: str, clock: Clock) -> AsyncIterator[Service]:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        http_port=0,
        public_url=PUBLIC_URL,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=BUSINESS,
    )
    service = Service(settings, clock=clock)
    await service.start()
    yield service
    await service.stop()


@dataclass
class OnWhatsApp:
    """A person writing from her phone; Twilio signs what it posts to us with the account's auth token."""

    service: Service
    number: str
    signing_token: str = AUTH_TOKEN
    heard: list[str] = field(default_factory=list)
    status: int = 0
    sent: int = 0

    async def post(self, form: dict[str, str], *, signature: str | None = None) -> None:
        self.sent += 1
        params = {
            "From": f"whatsapp:{self.number}",
            "To": BUSINESS,
            "MessageSid": f"SM{self.sent:032d}",
            "AccountSid": "AC" + "0" * 32,
            "ProfileName": "Fatima",
            "NumMedia": "0",
            **form,
        }
        if signature is None:
            signature = RequestValidator(self.signing_token).compute_signature(
                PUBLIC_URL + WHATSAPP_WEBHOOK, params
            )
        headers = {"X-Twilio-Signature": signature} if signature else {}
        url = f"http://127.0.0.1:{self.service.port}{WHATSAPP_WEBHOOK}"
        async with aiohttp.ClientSession() as http, http.post(url, data=params, headers=headers) as response:
            self.status = response.status
            body = await response.text()
        self.heard = (
            [m.text or "" for m in ElementTree.fromstring(body).iter("Message")] if response.ok else []
        )

    async def says(self, text: str) -> str:
        await self.post({"Body": text})
        assert self.status == 200, self.status
        return "\n".join(self.heard)

    async def sends_photo(self) -> str:
        await self.post(
            {
                "Body": "",
                "NumMedia": "1",
                "MediaUrl0": "https://example.org/p.jpg",
                "MediaContentType0": "image/jpeg",
            }
        )
        return "\n".join(self.heard)


async def test_a_full_registration_in_arabic_over_whatsapp(
    whatsapp: Service, database: Database, clock: Clock
) -> None:
    fatima = OnWhatsApp(whatsapp, "+966551234567")
    welcome = await fatima.says("السلام عليكم")
    assert "أهلاً بك في «أسر»" in welcome
    assert "1. تسجيل أسرتي\n2. عن مشروع أسر\n3. English" in welcome  # options as a numbered list
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
    assert "refused a WhatsApp webhook call" in caplog.text and "966551234567" not in caplog.text
    assert await database.run(lambda s: s.scalars(select(Conversation)).all()) == []


async def test_a_photo_or_voice_note_gets_please_type(whatsapp: Service) -> None:
    fatima = OnWhatsApp(whatsapp, "+966551234567")
    await fatima.says("مرحبا")
    assert "أستطيع قراءة الرسائل المكتوبة فقط" in await fatima.sends_photo()


async def test_a_family_registered_on_telegram_is_recognised_on_whatsapp(
    engine: Engine, clock: Clock
) -> None:
    on_telegram = Person(engine, clock, address="5550001", channel=Channel.TELEGRAM)
    await on_telegram.registers(mobile="0551234567")
    on_whatsapp = Person(engine, clock, address="+966551234567", channel=Channel.WHATSAPP)
    await on_whatsapp.says("السلام عليكم")
    assert "أهلاً يا فاطمة! رقمك مسجّل لدينا" in on_whatsapp.heard
    assert on_whatsapp.options[-1] == "حسابي"  # straight to her main menu


async def test_sharing_her_contact_on_telegram_recognises_a_whatsapp_registration(
    engine: Engine, clock: Clock, database: Database
) -> None:
    on_whatsapp = Person(engine, clock, address="+966551234567", channel=Channel.WHATSAPP)
    await on_whatsapp.registers(national_id="1000000008")
    on_telegram = Person(engine, clock, address="5550001", channel=Channel.TELEGRAM)
    await on_telegram.says("مرحبا")
    await on_telegram.chooses("تسجيل أسرتي")
    await on_telegram.says("فاطمة أحمد")
    await on_telegram.says("2000000006")
    await on_telegram.shares_contact("966551234567")
    assert "رقمك مسجّل لدينا" in on_telegram.heard and on_telegram.options[-1] == "حسابي"
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
