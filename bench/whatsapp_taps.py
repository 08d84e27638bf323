"""WhatsApp answers with taps: from her message reaching our webhook to our reply sent, through the REST API.

Runs the whole service (`usar run`'s web role on SQLite) against the fake Twilio on 127.0.0.1: N women each
register by taps, typing only their name and ID (11 messages each), signed as Twilio signs them. Each message
is timed from the webhook's request to its response, which comes after the reply with taps was created
through the REST API: so the time is her message to our reply sent. The same run then repeats with taps off
(Twilio's Content API out of reach: numbered text in the webhook's response), the cost of the REST API.

    .venv/bin/python bench/whatsapp_taps.py --women 50
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import passing_key
from bot.service import Service
from core.validators import with_check_digit
from storage.db import Database
from tests.support.fake_twilio import AUTH_TOKEN, NOWHERE, FakeTwilio, OnWhatsApp, whatsapp_settings

FIRST = ("فاطمة", "نورة", "مريم", "هدى", "سارة", "عائشة", "خديجة")
FAMILY = ("الزهراني", "الغامدي", "الحربي", "العتيبي", "القرشي")


async def register(her: OnWhatsApp, number: int, taps: bool) -> list[float]:
    """Her registration; the seconds each message took to be answered."""
    steps: list[tuple[str, str]] = [
        ("say", "السلام عليكم"),
        ("tap", "تسجيل أسرتي") if taps else ("say", "1"),
        ("say", f"{FIRST[number % len(FIRST)]} {FAMILY[number // len(FIRST) % len(FAMILY)]}"),
        ("say", with_check_digit(f"1{number:08d}")),
        ("tap", "جدة") if taps else ("say", "3"),
        ("tap", "وجبات مطبوخة") if taps else ("say", "1"),
        ("tap", "تم") if taps else ("say", "تم"),
        ("tap", "نعم") if taps else ("say", "نعم"),
        ("tap", "لا") if taps else ("say", "لا"),
        ("tap", "أوافق") if taps else ("say", "أوافق"),
        ("tap", "حفظ") if taps else ("say", "1"),
    ]
    times = []
    for kind, words in steps:
        started = time.perf_counter()
        heard = await (her.taps_on(words) if kind == "tap" else her.says(words))
        times.append(time.perf_counter() - started)
        assert heard, f"no answer to «{words}»"
    assert "القائمة الرئيسية" in heard, heard
    return times


async def run(women: int, taps: bool) -> list[float]:
    twilio = FakeTwilio(auth_token=AUTH_TOKEN)
    url = await twilio.start()
    with tempfile.TemporaryDirectory() as directory:
        database_url = f"sqlite:///{directory}/bench.db"
        database = Database(database_url)
        await database.migrate()
        await database.dispose()
        settings = whatsapp_settings(database_url, api_base=url if taps else NOWHERE)
        settings.spool_directory = Path(directory) / "spool"
        service = Service(settings, run_jobs=False)
        await service.start()
        try:
            times = []
            for number in range(women):
                her = OnWhatsApp(service, f"+96655{number:07d}", twilio=twilio)
                times += await register(her, number, taps)
        finally:
            await service.stop()
            await twilio.stop()
    sent = sum("ContentSid" in message for message in twilio.created)
    assert (sent > 0) == taps, sent
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{label:<34} {len(times):>5} messages  p50 {statistics.median(ordered) * 1000:6.1f} ms  "
        f"p99 {p99 * 1000:6.1f} ms  max {ordered[-1] * 1000:6.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--women", type=int, default=50)
    arguments = parser.parse_args()
    logging.disable(logging.WARNING)  # taps off is logged once; nothing to read here
    report("taps, through the REST API", await run(arguments.women, taps=True))
    report("numbered text, in the response", await run(arguments.women, taps=False))


if __name__ == "__main__":
    passing_key()  # its throwaway databases, sealed as real ones
    asyncio.run(main())
