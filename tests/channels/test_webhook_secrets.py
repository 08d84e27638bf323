"""The secrets of the webhooks are compared in constant time, while real requests are checked: Twilio's
signature of a WhatsApp message, and the secret token Telegram echoes on every webhook call. A check that
compares with `==` (or twilio's own character-by-character `compare`) fails these tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from twilio.request_validator import RequestValidator

from bot.service import Service
from handlers.whatsapp.webhook import WHATSAPP_WEBHOOK
from storage.db import Database
from tests.support.builders import FATIMA_ID
from tests.support.comparisons import compared, compares
from tests.support.fake_telegram import FakeTelegram, on_phone, settings_for, webhook_poster
from tests.support.fake_twilio import AUTH_TOKEN, PUBLIC_URL, OnWhatsApp, whatsapp_settings
from tests.support.people import Clock


@pytest.fixture
async def whatsapp(database: Database, database_url: str, clock: Clock) -> AsyncIterator[Service]:
    service = Service(whatsapp_settings(database_url), clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def webhook(
    database: Database, database_url: str, fake_telegram: FakeTelegram, clock: Clock
) -> AsyncIterator[Service]:
    settings = settings_for(database_url, fake_telegram, public_url="https://usar.example.org/")
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    yield service
    await service.stop()


async def test_twilios_signature_is_compared_in_constant_time(
    whatsapp: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    fatima = OnWhatsApp(whatsapp, "+966551234567")
    form = {"From": "whatsapp:+966551234567", "Body": "مرحبا", "MessageSid": "SM" + "1" * 32}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + WHATSAPP_WEBHOOK, form)
    calls = compared(monkeypatch)
    await fatima.post_to(WHATSAPP_WEBHOOK, form, signature=signature)
    assert fatima.status == 200 and "أهلاً بك" in "\n".join(fatima.heard)
    assert compares(calls, signature)

    forged = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    calls.clear()
    await fatima.post_to(WHATSAPP_WEBHOOK, {**form, "MessageSid": "SM" + "2" * 32}, signature=forged)
    assert fatima.status == 403
    assert compares(calls, forged)


async def test_telegrams_secret_token_is_compared_in_constant_time(
    webhook: Service, fake_telegram: FakeTelegram, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fake_telegram.webhook is not None
    secret = fake_telegram.webhook["secret_token"]
    fatima = on_phone(fake_telegram, FATIMA_ID, clock)
    calls = compared(monkeypatch)
    assert await webhook_poster(webhook, secret)(fake_telegram.message(fatima, text="مرحبا")) == 200
    assert compares(calls, secret)

    calls.clear()
    guess = secret[:-1] + ("0" if not secret.endswith("0") else "1")
    assert await webhook_poster(webhook, guess)(fake_telegram.message(fatima, text="مرحبا")) == 401
    assert compares(calls, guess)
