"""What an operator's Prometheus reads at the metrics address: messages answered and how fast, the outbox's
depth and its oldest message, sends by outcome and 429s, the scheduler's runs, open questions by office. The
public web server tells none of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.service import Service
from office import threads
from storage.db import Database
from tests.support.builders import FATIMA_ID, announce, families_on_telegram
from tests.support.console import visitor
from tests.support.fake_telegram import FakeTelegram, TelegramUser, settings_for, webhook_poster
from tests.support.people import Clock

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scraped(service: Service) -> Samples:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{service.metrics_port}/metrics") as response,
    ):
        assert response.status == 200 and response.content_type == "text/plain"
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
async def service(
    database: Database, database_url: str, fake_telegram: FakeTelegram, clock: Clock
) -> AsyncIterator[Service]:
    settings = settings_for(
        database_url,
        fake_telegram,
        public_url="http://usar.example.org/",  # http: the console's cookies travel to this test
        metrics_port=0,
    )
    running = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    await running.start()
    yield running
    await running.stop()


async def test_prometheus_reads_the_days_work_and_the_world_reads_nothing(
    service: Service, database: Database, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    before = await scraped(service)
    assert fake_telegram.webhook is not None
    poster = webhook_poster(service, fake_telegram.webhook["secret_token"])
    fatima = TelegramUser(fake_telegram, FATIMA_ID, deliver=poster, clock=clock)
    await fatima.says("/start")
    await fatima.hears("كيف يمكنني مساعدتك؟")
    await families_on_telegram(database, clock, 3)
    await announce(database, clock)
    clock.advance(minutes=5)
    asker = threads.Asker("telegram", "9001", "makkah", family_id=1)
    await database.run(
        lambda s: threads.ask(s, asker, "canteens", [threads.Said(text="متى التقديم؟")], clock.now)
    )

    waiting = await scraped(service)
    turns = value(waiting, "usar_turn_seconds_count", channel="telegram") - value(
        before, "usar_turn_seconds_count", channel="telegram"
    )
    assert turns == 1
    assert (
        value(waiting, "usar_inbound_updates_total", channel="telegram")
        - value(before, "usar_inbound_updates_total", channel="telegram")
        == 1
    )
    assert value(waiting, "usar_outbox_due", kind="announcement") == 3
    assert value(waiting, "usar_outbox_oldest_due_seconds", kind="announcement") == 300
    assert value(waiting, "usar_open_questions", office="makkah") == 1

    async with visitor(service) as somebody:  # someone guessing at the console
        await somebody.signs_in("nobody", "not her password")
        await somebody.signs_in("nobody", "nor this one")
        assert somebody.status == 401

    fake_telegram.fail_next_send(429, "Too Many Requests: retry after 1", retry_after=1)
    await service.dispatch_due()
    await service.run_due_work()
    after = await scraped(service)
    assert (
        value(after, "usar_rate_limited_total", channel="telegram")
        - value(before, "usar_rate_limited_total", channel="telegram")
        == 1
    )
    assert (
        value(after, "usar_sends_total", channel="telegram", outcome="retry_after")
        - value(before, "usar_sends_total", channel="telegram", outcome="retry_after")
        == 1
    )
    assert (
        value(after, "usar_sends_total", channel="telegram", outcome="sent")
        - value(before, "usar_sends_total", channel="telegram", outcome="sent")
        >= 2
    )
    assert (
        value(after, "usar_job_runs_total", job="invitations")
        - value(before, "usar_job_runs_total", job="invitations")
        == 1
    )
    failures = "usar_console_sign_in_failures_total"
    assert value(after, failures) - value(before, failures) == 2
    assert value(after, "usar_outbox_due", kind="announcement") <= 1  # told to wait: maybe not due yet

    async with aiohttp.ClientSession() as http:  # the public address tells none of it
        async with http.get(f"http://127.0.0.1:{service.port}/metrics") as public:
            assert public.status == 404
        async with http.get(f"http://127.0.0.1:{service.port}/readyz") as public:
            assert await public.json() == {"status": "ready"}
