"""The web server against callers who are slow, vanish or send too much, as an attacker or a bad network
would: half-sent requests are cut off (not held), a caller who goes away is one line in the log, a head too
large is refused, and no answer names the software's versions. The limits are made short here; no test waits
on the clock: each waits for the server to close the connection or answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from bot import web as web_server
from bot.service import Service
from tests.support.fake_telegram import FakeTelegram, settings_for
from tests.support.logs import Counted
from tests.support.people import Clock


@pytest.fixture
async def server(
    database_url: str, fake_telegram: FakeTelegram, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Service]:
    monkeypatch.setattr(web_server, "HEAD_SECONDS", 0.3)
    monkeypatch.setattr(web_server, "BODY_SECONDS", 0.3)
    settings = settings_for(database_url, fake_telegram, public_url="https://usar.example.org/")
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    yield service
    await service.stop()


async def sent(service: Service, data: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(data)
    await writer.drain()
    return reader, writer


def telegram_head(fake: FakeTelegram, length: int) -> bytes:
    assert fake.webhook is not None
    return (
        "POST /webhooks/telegram HTTP/1.1\r\nHost: usar.example.org\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {fake.webhook['secret_token']}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


async def test_half_a_head_is_cut_off_instead_of_holding_the_connection(server: Service) -> None:
    callers = [await sent(server, b"GET /console/ HTTP/1.1\r\nHost: x\r\n") for _ in range(50)]
    for reader, writer in callers:
        assert await asyncio.wait_for(reader.read(), timeout=10) == b""  # closed by the server, no answer
        writer.close()
    await healthy(server)  # still serving


async def test_a_body_that_does_not_come_is_refused_with_408_in_one_line(
    server: Service, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    reader, writer = await sent(server, telegram_head(fake_telegram, 200) + b'{"update_id": 1')
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408")
    said = [record for record in caplog.records if record.name == "bot.web"]
    assert [record.levelno for record in said] == [logging.WARNING] and not said[0].exc_info
    assert "did not come within" in said[0].getMessage()


async def test_callers_who_vanish_mid_body_leave_a_line_each_and_no_traceback(
    server: Service, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    gone = Counted("the caller went away", 20)
    logging.getLogger("bot.web").addHandler(gone)
    try:
        callers = [await sent(server, telegram_head(fake_telegram, 500) + b'{"update_id"') for _ in range(20)]
        await healthy(server)  # by the time it answers, it has read their heads and waits for their bodies
        for _, writer in callers:
            writer.transport.abort()
        await asyncio.wait_for(gone.reached.wait(), timeout=10)
        await healthy(server)
    finally:
        logging.getLogger("bot.web").removeHandler(gone)
    assert gone.count == 20  # one line each
    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]


async def healthy(service: Service) -> None:
    reader, writer = await sent(service, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert (await asyncio.wait_for(reader.read(), timeout=10)).startswith(b"HTTP/1.1 200")
    writer.close()


async def test_a_head_too_large_is_refused_and_no_answer_names_versions(server: Service) -> None:
    huge = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 20_000 + b"\r\n\r\n"
    reader, writer = await sent(server, huge)
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    assert answer.split(b" ", 2)[1] in (b"400", b"431")
    reader, writer = await sent(server, b"GET /console/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head = (await asyncio.wait_for(reader.read(), timeout=10)).split(b"\r\n\r\n", 1)[0].decode()
    writer.close()
    assert "Server: usar" in head.splitlines()
    assert "aiohttp" not in head and "Python" not in head
