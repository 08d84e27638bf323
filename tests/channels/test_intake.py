"""Each message is answered once, none lost: the same update or MessageSid, posted again, to another web
process or after a restart, is answered once; while the database is away, Telegram is told to send again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from bot.service import Role, Service
from handlers.whatsapp.spool import Spool
from handlers.whatsapp.webhook import STATUS_WEBHOOK, WHATSAPP_WEBHOOK
from storage import delivery_reports, seen
from storage.db import Database
from tests.support.builders import FATIMA_ID
from tests.support.fake_telegram import (
    TOKEN,
    FakeTelegram,
    TelegramUser,
    on_phone,
    settings_for,
    webhook_poster,
)
from tests.support.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BUSINESS,
    FakeTwilio,
    OnWhatsApp,
    whatsapp_settings,
)
from tests.support.outage import Outage
from tests.support.people import Clock


async def started(service: Service) -> Service:
    await service.start()
    return service


@pytest.fixture
async def two_telegram_processes(
    database: Database, database_url: str, fake_telegram: FakeTelegram, clock: Clock
) -> AsyncIterator[tuple[Service, Service]]:
    """Two web processes behind one webhook address, as a load balancer spreads them."""
    settings = settings_for(database_url, fake_telegram, public_url="https://usar.example.org/")
    first = await started(Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep))
    second = await started(Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep))
    yield first, second
    await first.stop()
    await second.stop()


def answers_to(fake: FakeTelegram, chat: int) -> list[str]:
    return [message["text"] for message in fake.sent_to(chat)]


async def test_an_update_delivered_twice_to_two_processes_is_answered_once(
    two_telegram_processes: tuple[Service, Service], fake_telegram: FakeTelegram, clock: Clock
) -> None:
    first, second = two_telegram_processes
    assert fake_telegram.webhook is not None
    secret = fake_telegram.webhook["secret_token"]
    fatima = TelegramUser(fake_telegram, FATIMA_ID, deliver=webhook_poster(first, secret), clock=clock)
    hello = fake_telegram.message(fatima, text="مرحبا")
    assert await webhook_poster(first, secret)(hello) == 200
    welcome = answers_to(fake_telegram, FATIMA_ID)
    assert welcome  # she was welcomed
    assert await webhook_poster(second, secret)(hello) == 200  # Telegram's retry reached the other process
    assert await webhook_poster(first, secret)(hello) == 200  # and the first again
    assert answers_to(fake_telegram, FATIMA_ID) == welcome  # once


async def test_a_whatsapp_message_posted_again_after_a_restart_or_elsewhere_is_answered_once(
    database: Database, database_url: str, clock: Clock
) -> None:
    settings = whatsapp_settings(database_url)
    params = {
        "From": "whatsapp:+966551234567",
        "To": BUSINESS,
        "MessageSid": "SM" + "5" * 32,
        "Body": "مرحبا",
    }
    first = await started(Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep))
    fatima = OnWhatsApp(first, "+966551234567")
    await fatima.post_to(WHATSAPP_WEBHOOK, params)
    assert fatima.status == 200 and fatima.heard  # welcomed
    second = await started(Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep))
    try:
        for process in (second, first):  # another web process, then the first again
            fatima.service = process
            await fatima.post_to(WHATSAPP_WEBHOOK, params)
            assert fatima.status == 200 and fatima.heard == []
        await first.stop()
        restarted = await started(Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep))
        fatima.service = restarted
        await fatima.post_to(WHATSAPP_WEBHOOK, params)  # after a restart
        assert fatima.status == 200 and fatima.heard == []
        await restarted.stop()
    finally:
        await second.stop()


@pytest.mark.postgres
async def test_while_the_database_is_away_telegram_is_told_to_send_again_and_it_is_answered_once(
    postgres_url: str, postgres: Database, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    outage = Outage(postgres_url)
    through_it = await outage.start()
    settings = settings_for(through_it, fake_telegram, public_url="https://usar.example.org/")
    service = await started(Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep))
    try:
        assert fake_telegram.webhook is not None
        post = webhook_poster(service, fake_telegram.webhook["secret_token"])
        fatima = TelegramUser(fake_telegram, FATIMA_ID, deliver=post, clock=clock)
        hello = fake_telegram.message(fatima, text="مرحبا")
        outage.cut()
        assert await post(hello) == 503  # not answered, not lost: Telegram delivers it again
        assert answers_to(fake_telegram, FATIMA_ID) == []
        outage.restore()
        assert await post(hello) == 200
        welcome = answers_to(fake_telegram, FATIMA_ID)
        assert welcome
        assert await post(hello) == 200 and answers_to(fake_telegram, FATIMA_ID) == welcome
    finally:
        await service.stop()
        await outage.stop()


async def until(condition: Callable[[], bool]) -> None:
    """Until `condition` holds (what a process does in its own time); ten seconds is a failure."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 (another process's state, with no event to wait on)
            await asyncio.sleep(0.01)


@pytest.mark.postgres
async def test_while_the_database_is_away_polling_leaves_her_message_with_telegram_and_answers_it_once(
    postgres_url: str, postgres: Database, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    outage = Outage(postgres_url)
    service = await started(
        Service(
            settings_for(await outage.start(), fake_telegram), clock=clock, run_jobs=False, sleep=clock.sleep
        )
    )
    try:
        fatima = on_phone(fake_telegram, FATIMA_ID, clock)
        outage.cut()
        asked = fake_telegram.calls.count("getupdates")
        await fatima.says("مرحبا")
        await until(lambda: fake_telegram.calls.count("getupdates") >= asked + 5)  # polling went on
        assert [update["update_id"] for update in fake_telegram.pending] == [1]  # still with Telegram
        assert clock.slept  # and polling waited for the database between tries
        assert answers_to(fake_telegram, FATIMA_ID) == []
        outage.restore()
        await fatima.hears("كيف يمكنني مساعدتك؟")
        await until(lambda: fake_telegram.pending == [])  # handled, and now confirmed
        await fatima.says("English")
        await fatima.hears("How can I help you?")
        assert len(answers_to(fake_telegram, FATIMA_ID)) == 2  # each answered once
    finally:
        await service.stop()
        await outage.stop()


@pytest.mark.postgres
async def test_a_30_second_outage_with_messages_on_both_channels_loses_none_and_doubles_none(
    postgres_url: str,
    postgres: Database,
    fake_telegram: FakeTelegram,
    clock: Clock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One web process answering both channels at its public address, as in production."""
    outage = Outage(postgres_url)
    twilio = FakeTwilio(auth_token=AUTH_TOKEN)
    settings = whatsapp_settings(await outage.start())
    settings.twilio_api_base = await twilio.start()  # type: ignore[assignment]
    settings.spool_directory = tmp_path / "spool"
    settings.telegram_token = SecretStr(TOKEN)
    settings.telegram_api_base = fake_telegram.url  # type: ignore[assignment]
    service = await started(Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep))
    try:
        assert fake_telegram.webhook is not None
        post = webhook_poster(service, fake_telegram.webhook["secret_token"])
        on_telegram = [
            TelegramUser(fake_telegram, FATIMA_ID + n, deliver=post, clock=clock) for n in range(3)
        ]
        on_whatsapp = [OnWhatsApp(service, f"+96655123456{n}", twilio=twilio) for n in range(3)]
        updates: list[dict[str, Any]] = []  # what Telegram holds and sends again
        forms: list[dict[str, str]] = []  # what Twilio posted
        outage.cut()
        for n, text in enumerate(["مرحبا"] * 3 + ["English"] * 3):  # a message every five seconds on each
            clock.advance(seconds=5)
            updates.append(fake_telegram.message(on_telegram[n % 3], text=text))
            for update in updates:  # the new one, and Telegram's retries of the earlier ones
                assert await post(update) == 503
            family = on_whatsapp[n % 3]
            forms.append({"From": f"whatsapp:{family.number}", "To": BUSINESS, "MessageSid": f"SM{n:032d}",
                          "Body": text, "AccountSid": ACCOUNT_SID})  # fmt: skip
            await family.post_to(WHATSAPP_WEBHOOK, forms[-1])
            assert (
                family.status == 200 and family.heard == []
            )  # Twilio is answered; the message waits on disk
        assert fake_telegram.sent == [] and twilio.created == []
        report = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID}
        await on_whatsapp[0].post_to(STATUS_WEBHOOK, report)
        assert on_whatsapp[0].status == 503  # a status report is lost, said so: Twilio does not send it again
        outage.restore()
        for update in updates:  # Telegram's next retries
            assert await post(update) == 200
        assert await service.replay_spool() == 6
        for update in updates:  # retries of retries, and Twilio's late copies: answered already
            assert await post(update) == 200
        for form in forms:
            await on_whatsapp[0].post_to(WHATSAPP_WEBHOOK, form)
            assert on_whatsapp[0].status == 200 and on_whatsapp[0].heard == []
        for person in on_telegram:  # each answered once a message, in the order she wrote
            answers = answers_to(fake_telegram, person.id)
            assert (
                len(answers) == 2 and "كيف يمكنني مساعدتك؟" in answers[0] and "How can I help" in answers[1]
            )
        for family in on_whatsapp:
            answers = family.arrived(0)  # the menu as a list: through the REST API, once it was answered
            assert (
                len(answers) == 2 and "كيف يمكنني مساعدتك؟" in answers[0] and "How can I help" in answers[1]
            )
    finally:
        await service.stop()
        await twilio.stop()
        await outage.stop()


async def test_a_status_callback_twice_is_kept_once_and_one_too_long_is_refused(
    database: Database, database_url: str, clock: Clock
) -> None:
    service = await started(Service(whatsapp_settings(database_url), clock=clock, run_jobs=False))
    try:
        twilio = OnWhatsApp(service, "+966551234567")
        report: dict[str, Any] = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
        for _ in range(2):
            await twilio.post_to(STATUS_WEBHOOK, {**report, "AccountSid": ACCOUNT_SID})
            assert twilio.status == 204
        await twilio.post_to(STATUS_WEBHOOK, {**report, "MessageStatus": "x" * 40, "AccountSid": ACCOUNT_SID})
        assert twilio.status == 400
    finally:
        await service.stop()
    reports = await database.run(lambda s: delivery_reports.reports_for(s, "SM" + "2" * 32))
    assert [r.status for r in reports] == ["delivered"]


async def test_what_was_seen_is_kept_two_days(database: Database, clock: Clock) -> None:
    await database.run(lambda s: seen.first_time(s, "telegram", "1", clock.now))
    clock.advance(days=1)
    await database.run(lambda s: seen.first_time(s, "telegram", "2", clock.now))
    clock.advance(days=1, seconds=1)
    assert await database.run(lambda s: seen.forget_old(s, clock.now)) == 1
    assert not await database.run(lambda s: seen.first_time(s, "telegram", "2", clock.now))
    assert await database.run(lambda s: seen.first_time(s, "telegram", "1", clock.now))
    assert timedelta(hours=24) <= seen.KEPT  # Telegram and Twilio retry within a day


@pytest.mark.postgres
async def test_whatsapp_messages_wait_out_an_outage_on_disk_and_are_answered_in_order_once(
    postgres_url: str, postgres: Database, clock: Clock, tmp_path: Path
) -> None:
    outage = Outage(postgres_url)
    twilio = FakeTwilio(auth_token=AUTH_TOKEN)
    settings = whatsapp_settings(await outage.start())
    settings.twilio_api_base = await twilio.start()  # type: ignore[assignment]
    settings.spool_directory = tmp_path / "spool"
    service = await started(Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep))
    try:
        fatima = OnWhatsApp(service, "+966551234567", twilio=twilio)
        assert "• تسجيل أسرتي" in await fatima.says("مرحبا")  # welcomed, with the menu
        welcomed = len(twilio.created)
        outage.cut()
        register = {
            "From": "whatsapp:+966551234567",
            "To": BUSINESS,
            "MessageSid": "SM" + "a" * 32,
            "Body": "1",
        }
        name = {**register, "MessageSid": "SM" + "b" * 32, "Body": "فاطمة أحمد"}
        for message in (register, name):
            await fatima.post_to(WHATSAPP_WEBHOOK, message)
            assert fatima.status == 200 and fatima.heard == []  # Twilio is answered; she, later
        waiting = sorted(settings.spool_directory.iterdir())
        assert len(waiting) == 2 and all(file.stat().st_mode & 0o077 == 0 for file in waiting)
        assert await service.replay_spool() == 0 and len(twilio.created) == welcomed  # still away: they wait
        outage.restore()
        assert await service.replay_spool() == 2
        answers = fatima.arrived(welcomed)
        assert "ما اسمك الكامل؟" in answers[0] and "رقم هويتك" in answers[-1]  # in the order she wrote
        assert all(message["To"] == "whatsapp:+966551234567" for message in twilio.created)
        assert list(settings.spool_directory.iterdir()) == []
        await fatima.post_to(WHATSAPP_WEBHOOK, name)  # Twilio's copy of one of them, late
        assert fatima.heard == [] and len(twilio.created) == welcomed + len(answers)
    finally:
        await service.stop()
        await twilio.stop()
        await outage.stop()


async def test_a_web_process_that_starts_answers_what_waited(
    database: Database, database_url: str, clock: Clock, tmp_path: Path
) -> None:
    twilio = FakeTwilio(auth_token=AUTH_TOKEN)
    settings = whatsapp_settings(database_url)
    settings.twilio_api_base = await twilio.start()  # type: ignore[assignment]
    settings.spool_directory = tmp_path / "spool"
    hello = {"From": "whatsapp:+966551234567", "To": BUSINESS, "MessageSid": "SM" + "c" * 32, "Body": "مرحبا"}
    Spool(settings.spool_directory).keep(hello, clock.now)  # left by a process that stopped during an outage
    abandoned = Spool(settings.spool_directory)
    (file,) = settings.spool_directory.iterdir()
    file.rename(file.with_suffix(".taken"))  # and one that died while answering it
    service = await started(Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep))
    try:
        assert abandoned.waiting() == 1  # taken back at start
        assert await service.replay_spool() == 1
        assert len(twilio.created) == 1 and abandoned.waiting() == 0
    finally:
        await service.stop()
        await twilio.stop()


async def readiness(service: Service) -> tuple[int, dict[str, Any]]:
    """What the metrics address says of readiness; the world is told "ready" or "not ready" alone."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{service.metrics_port}/readyz") as response:
            status, details = response.status, await response.json()
        async with http.get(f"http://127.0.0.1:{service.port}/readyz") as public:
            assert public.status == status
            assert await public.json() == {"status": "ready" if status == 200 else "not ready"}
    return status, details


@pytest.mark.postgres
async def test_readyz_says_whether_the_database_answers_and_is_up_to_date(
    postgres_url: str, postgres: Database, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    outage = Outage(postgres_url)
    settings = settings_for(await outage.start(), fake_telegram, metrics_port=0)
    service = await started(Service(settings, clock=clock, role=Role.WORKER, run_jobs=False))
    head = (await postgres.schema())[1]
    try:
        status, answer = await readiness(service)
        assert (status, answer) == (
            200,
            {"status": "ready", "role": "worker", "migration": head, "head": head},
        )
        outage.cut()
        status, answer = await readiness(service)
        assert status == 503 and answer["status"] == "database out of reach" and answer["role"] == "worker"
        outage.restore()
        async with postgres.engine.begin() as connection:  # as if this code were newer than the database
            await connection.execute(text("UPDATE alembic_version SET version_num = '0014'"))
        status, answer = await readiness(service)
        assert (status, answer["status"], answer["migration"]) == (503, "schema behind", "0014")
        async with (  # liveness is another question: the process answers
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{service.port}/healthz") as response,
        ):
            assert response.status == 200
    finally:
        await service.stop()
        await outage.stop()
        async with postgres.engine.begin() as connection:
            await connection.execute(text(f"UPDATE alembic_version SET version_num = '{head}'"))


async def test_malformed_webhook_calls_get_4xx_and_no_traceback(
    two_telegram_processes: tuple[Service, Service],
    fake_telegram: FakeTelegram,
    database_url: str,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service, _ = two_telegram_processes
    assert fake_telegram.webhook is not None
    secret = fake_telegram.webhook["secret_token"]
    telegram = f"http://127.0.0.1:{service.port}/webhooks/telegram"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            telegram, data=b"{}", headers={"X-Telegram-Bot-Api-Secret-Token": "é"}
        ) as answer:
            assert answer.status == 401  # a secret that is not ASCII is a wrong secret
        async with http.post(
            telegram, data=b"\xff{", headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        ) as answer:
            assert answer.status == 400  # not JSON
        async with http.post(
            telegram, json={"update_id": "x"}, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        ) as answer:
            assert answer.status == 400  # not an update
        nested = b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        async with http.post(
            telegram, data=nested, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        ) as answer:
            assert answer.status == 400  # nested past any depth a parser takes
        async with http.get(telegram) as answer:
            assert "Server" not in answer.headers or "aiohttp" not in answer.headers["Server"]
    whatsapp = await started(Service(whatsapp_settings(database_url), clock=clock, run_jobs=False))
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{whatsapp.port}{WHATSAPP_WEBHOOK}",
                data=b"Body=\xff\xfe",
                headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
            ) as answer,
        ):
            assert answer.status == 403  # invalid UTF-8: not Twilio's
    finally:
        await whatsapp.stop()
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.postgres
async def test_a_message_that_comes_once_the_database_is_back_waits_behind_hers_on_disk(
    postgres_url: str, postgres: Database, clock: Clock, tmp_path: Path
) -> None:
    """She wrote "1" during the outage (kept on disk), then her name just after the database came back,
    before the spool's next replay (every 5 s): her name is answered after her "1", not before."""
    outage = Outage(postgres_url)
    twilio = FakeTwilio(auth_token=AUTH_TOKEN)
    settings = whatsapp_settings(await outage.start())
    settings.twilio_api_base = await twilio.start()  # type: ignore[assignment]
    settings.spool_directory = tmp_path / "spool"
    service = await started(Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep))
    try:
        fatima = OnWhatsApp(service, "+966551234567", twilio=twilio)
        assert "• تسجيل أسرتي" in await fatima.says("مرحبا")  # welcomed, with the menu
        welcomed = len(twilio.created)
        outage.cut()
        await fatima.says("1")  # register: kept on disk
        assert fatima.heard == []
        outage.restore()
        await fatima.says("فاطمة أحمد")  # her name, before the replay
        assert fatima.heard == []  # it waits behind her "1"
        assert await service.replay_spool() == 2
        answers = fatima.arrived(welcomed)
        assert "ما اسمك الكامل؟" in answers[0] and "رقم هويتك" in answers[-1]  # in the order she wrote
    finally:
        await service.stop()
        await twilio.stop()
        await outage.stop()
