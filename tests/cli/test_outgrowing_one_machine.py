"""docs/OPERATIONS.md §7 on one machine, as far as it allows: on PostgreSQL, two web processes behind Caddy
(deploy/Caddyfile, on a local port without TLS), two workers and one scheduler, each a `usar run --role`
process of its own. Telegram's calls spread over both web processes and each is answered once; an
announcement's messages are sent once each by the two workers together; every process says it is ready."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from storage.db import Database
from tests.support.builders import FATIMA_ID, announce, families_on_telegram
from tests.support.fake_telegram import TOKEN, FakeTelegram, TelegramUser
from tests.support.people import Clock
from tests.support.processes import CHECKOUT, start_usar, until_serving


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def caddy() -> str:
    found = shutil.which("caddy")
    if found is None:
        if os.environ.get("CI") == "true":
            raise AssertionError("CI needs caddy (.ci/run installs it)")
        pytest.skip("caddy is not installed here")
    return found


def local_caddyfile(port: int, web: tuple[int, int], directory: Path) -> Path:
    """deploy/Caddyfile on this machine: a local port without TLS, the web processes' ports, no log file."""
    text = (CHECKOUT / "deploy" / "Caddyfile").read_text()
    text = text.replace(
        "usar.example.org {", f"{{\n\tadmin off\n\tauto_https off\n}}\n\nhttp://127.0.0.1:{port} {{"
    )
    text = text.replace("127.0.0.1:8080 127.0.0.1:8081", f"127.0.0.1:{web[0]} 127.0.0.1:{web[1]}")
    text = re.sub(r"\n\tlog \{.*?\n\t\}\n", "\n", text, flags=re.DOTALL)
    path = directory / "Caddyfile"
    path.write_text(text)
    return path


@pytest.fixture
async def proxy(tmp_path: Path) -> AsyncIterator[tuple[int, tuple[int, int]]]:
    port, web = free_port(), (free_port(), free_port())
    config = local_caddyfile(port, web, tmp_path)
    running = await asyncio.create_subprocess_exec(
        caddy(), "run", "--config", str(config), "--adapter", "caddyfile",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    yield port, web
    running.terminate()
    await running.wait()


@pytest.mark.postgres
async def test_two_web_processes_behind_caddy_two_workers_and_a_scheduler_on_postgresql(
    postgres_url: str,
    postgres: Database,
    fake_telegram: FakeTelegram,
    proxy: tuple[int, tuple[int, int]],
    clock: Clock,
    tmp_path: Path,
) -> None:
    front, web = proxy
    shared = {
        "USAR_DATABASE_URL": postgres_url,
        "USAR_TELEGRAM_TOKEN": TOKEN,
        "USAR_TELEGRAM_API_BASE": fake_telegram.url,
        "USAR_PUBLIC_URL": f"http://127.0.0.1:{front}",
        "USAR_TRUSTED_PROXIES": "127.0.0.1",
        "USAR_QUIET_HOURS": "off",
        "USAR_TELEGRAM_RATE": "1000",
    }
    roles = [("web", web[0]), ("web", web[1]), ("worker", 0), ("worker", 0), ("scheduler", 0)]
    metrics = [free_port() for _ in roles]
    processes = []
    try:
        for (role, port), metrics_port in zip(roles, metrics, strict=True):
            settings = {**shared, "USAR_HTTP_PORT": str(port), "USAR_METRICS_PORT": str(metrics_port)}
            process = await start_usar(
                "run", "--role", role, cwd=tmp_path, settings=settings, stderr=asyncio.subprocess.PIPE
            )
            processes.append(process)
        for process in processes:
            await until_serving(process)
        for (role, _), metrics_port in zip(roles, metrics, strict=True):
            details = await asyncio.to_thread(_read_json, f"http://127.0.0.1:{metrics_port}/readyz")
            assert details["status"] == "ready" and details["role"] == role

        # Telegram calls the proxy, which spreads the calls over both web processes.
        assert fake_telegram.webhook is not None
        assert fake_telegram.webhook["url"] == f"http://127.0.0.1:{front}/webhooks/telegram"
        secret = fake_telegram.webhook["secret_token"]

        async def through_the_proxy(update: dict[str, object]) -> int:
            async with (
                aiohttp.ClientSession() as http,
                http.post(
                    f"http://127.0.0.1:{front}/webhooks/telegram",
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": secret},
                ) as answer,
            ):
                return answer.status

        fatima = TelegramUser(fake_telegram, FATIMA_ID, deliver=through_the_proxy, clock=clock)
        hello = fake_telegram.message(fatima, text="مرحبا")
        for _ in range(4):  # Telegram's retries of one update: round robin sends them to both processes
            assert await through_the_proxy(hello) == 200
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent_to(FATIMA_ID)) >= 1)
        welcome = fake_telegram.sent_to(FATIMA_ID)
        await fatima.says("1")  # and her next message, answered after the first
        await fatima.hears("")
        assert fake_telegram.sent_to(FATIMA_ID)[: len(welcome)] == welcome  # the welcome once
        for metrics_port in metrics[:2]:  # and each web process had its share of the calls
            text = await asyncio.to_thread(_read, f"http://127.0.0.1:{metrics_port}/metrics")
            assert re.search(r'usar_inbound_updates_total\{channel="telegram"\} [1-9]', text), text[-500:]

        # An announcement to three families is sent once each by the two workers together.
        await families_on_telegram(postgres, clock, 3)
        assert await announce(postgres, clock) == 3
        chats = [9001, 9002, 9003]
        await fake_telegram.wait_for(lambda: all(fake_telegram.sent_to(chat) for chat in chats))
        assert [len(fake_telegram.sent_to(chat)) for chat in chats] == [1, 1, 1]
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            await asyncio.wait_for(process.communicate(), timeout=60)
    assert [process.returncode for process in processes] == [0, 0, 0, 0, 0]


def _read_json(url: str) -> dict[str, object]:
    found: dict[str, object] = json.loads(_read(url))
    return found


def _read(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode())
