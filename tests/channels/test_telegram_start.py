"""Starting while Telegram cannot be reached: the web process serves the console and WhatsApp at once and
registers its webhook (or begins polling) once Telegram answers, waiting longer each time; a token Telegram
refuses still ends the process, in one line."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import pytest

from bot.service import Service
from core.channel import Refused
from handlers.telegram.polling import PATIENCE
from storage.db import Database
from tests.support.builders import FATIMA_ID
from tests.support.fake_telegram import FakeTelegram, on_phone, settings_for
from tests.support.logs import Counted
from tests.support.people import Clock
from tests.support.processes import start_usar


def out_of_reach_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Telegram is out of reach" in r.getMessage()]


async def test_the_console_serves_while_the_webhook_waits_for_telegram(
    database: Database,
    database_url: str,
    fake_telegram: FakeTelegram,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    fake_telegram.down_for = 4
    settings = settings_for(database_url, fake_telegram, public_url="https://usar.example.org/")
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    reached = Counted("Telegram is reached again", 1)
    logging.getLogger("handlers.telegram").addHandler(reached)
    await service.start()  # does not fail
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{service.port}/console/sign-in") as answer,
        ):
            assert answer.status == 200  # staff sign in meanwhile
        await asyncio.wait_for(reached.reached.wait(), timeout=10)
        assert fake_telegram.webhook is not None
        assert fake_telegram.webhook["url"] == "https://usar.example.org/webhooks/telegram"
        assert clock.slept[:4] == list(PATIENCE[:4])  # longer each time
        assert not service.failed
    finally:
        logging.getLogger("handlers.telegram").removeHandler(reached)
        await service.stop()
    assert len(out_of_reach_lines(caplog)) == 4
    assert any(r.getMessage() == "Telegram is reached again" for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_polling_begins_once_telegram_answers(
    database: Database,  # emptied: on PostgreSQL, earlier tests' updates would count as seen already
    database_url: str,
    fake_telegram: FakeTelegram,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_telegram.down_for = 2
    service = Service(
        settings_for(database_url, fake_telegram), clock=clock, run_jobs=False, sleep=clock.sleep
    )
    await service.start()
    try:
        fatima = on_phone(fake_telegram, FATIMA_ID, clock)
        await fatima.says("/start")
        await fatima.hears("كيف يمكنني مساعدتك؟")
        assert fake_telegram.calls[:3] == ["deletewebhook (down)", "deletewebhook (down)", "deletewebhook"]
        assert len(out_of_reach_lines(caplog)) == 2
    finally:
        await service.stop()


async def test_a_webhook_telegram_refuses_at_start_is_refused_in_one_line(
    database_url: str, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    fake_telegram.token = "123456:revoked"
    settings = settings_for(database_url, fake_telegram, public_url="https://usar.example.org/")
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    with pytest.raises(Refused, match=r"Telegram refused our webhook .*Unauthorized"):
        await service.start()


async def test_usar_run_ends_with_one_line_when_telegram_refuses_the_token(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    token = settings_for("sqlite://", fake_telegram).telegram_token
    assert token is not None
    fake_telegram.token = "123456:revoked"
    settings = {
        "USAR_TELEGRAM_TOKEN": token.get_secret_value(),
        "USAR_TELEGRAM_API_BASE": fake_telegram.url,
        "USAR_PUBLIC_URL": "https://usar.example.org/",
        "USAR_HTTP_PORT": "0",
    }
    process = await start_usar("run", cwd=tmp_path, settings=settings, stderr=asyncio.subprocess.PIPE)
    try:
        _, errors = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    said = errors.decode()
    assert process.returncode == 1
    assert said.splitlines()[-1].startswith("usar: Telegram refused our webhook (TelegramUnauthorizedError")
    assert "Traceback" not in said
