"""Her files fetched for staff: Twilio's media URL with our credentials, which never follow a redirect to
Twilio's storage nor go to any other host; Telegram's file server followed on its own host alone; their
failures are "unavailable", never a fault."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from core.channel import MediaTooLarge, MediaUnavailable
from handlers.telegram.client import create_bot
from handlers.telegram.files import TelegramFiles
from handlers.whatsapp.media import TwilioMedia
from tests.support.fake_telegram import TOKEN as BOT_TOKEN
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import ACCOUNT_SID

TOKEN = "test-auth-token-0123456789abcdef"


async def served(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def storage() -> AsyncIterator[tuple[str, list[str | None]]]:
    """Twilio's storage: it answers anyone with a signed link, and notes what Authorization it was sent."""
    seen: list[str | None] = []

    async def file(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.Response(body=b"OggS voice", content_type="audio/ogg")

    app = web.Application()
    app.router.add_get("/signed/voice", file)
    async for url in served(app):
        yield url, seen


@pytest.fixture
async def twilio(storage: tuple[str, list[str | None]]) -> AsyncIterator[str]:
    async def media(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != aiohttp.BasicAuth(ACCOUNT_SID, TOKEN).encode():
            return web.Response(status=401)
        if request.match_info["name"] == "big":
            return web.Response(body=b"x" * 2048)
        raise web.HTTPTemporaryRedirect(storage[0] + "/signed/voice")

    app = web.Application()
    app.router.add_get("/media/{name}", media)
    async for url in served(app):
        yield url


async def test_twilio_media_is_fetched_with_our_credentials_which_stay_with_twilio(
    twilio: str, storage: tuple[str, list[str | None]]
) -> None:
    source = TwilioMedia(ACCOUNT_SID, TOKEN, twilio, storage=[storage[0].removeprefix("http://")])
    assert await source.fetch(twilio + "/media/voice", 1024) == b"OggS voice"
    assert storage[1] == [None]  # the redirect's host never saw our account's credentials
    with pytest.raises(MediaTooLarge):
        await source.fetch(twilio + "/media/big", 1024)
    for elsewhere in (storage[0] + "/signed/voice", twilio.replace("http://", "https://") + "/media/voice"):
        with pytest.raises(MediaUnavailable):  # another host, or another scheme: not asked at all
            await source.fetch(elsewhere, 1024)
    assert storage[1] == [None]


async def test_a_redirect_away_from_twilio_is_not_followed_and_nothing_is_served_as_her_file(
    twilio: str, storage: tuple[str, list[str | None]]
) -> None:
    """Twilio's storage is Twilio's hosts; a media URL that redirects anywhere else (here, a host this
    fetcher was not told is Twilio's storage) gives staff "unavailable", not that host's body."""
    source = TwilioMedia(ACCOUNT_SID, TOKEN, twilio)  # the storage fake is not among Twilio's hosts
    with pytest.raises(MediaUnavailable, match="redirected away from Twilio"):
        await source.fetch(twilio + "/media/voice", 1024)
    assert storage[1] == []  # never asked
    assert source._twilios("https://mms.twiliocdn.com/AC1/abc") and source._twilios(
        "https://media.twiliocdn.com/x"
    )
    assert not source._twilios("https://twiliocdn.com.evil.example/x") and not source._twilios(
        "http://mms.twiliocdn.com/x"
    )


async def test_a_telegram_file_is_read_from_the_bot_apis_host_and_a_redirect_elsewhere_is_not_followed(
    fake_telegram: FakeTelegram, storage: tuple[str, list[str | None]]
) -> None:
    """Telegram's file server gives the file; one that redirects to another host (here, the storage fake)
    gives staff "unavailable", and that host is never asked (the URL holds our bot's token)."""
    fake_telegram.files["voice-1"] = b"OggS her voice"
    fake_telegram.files["voice-2"] = b"OggS the same voice, moved"
    fake_telegram.files["voice-3"] = b"OggS"
    fake_telegram.moved["voice-2"] = f"/file/bot{BOT_TOKEN}/files/voice-1"  # on Telegram's own host
    fake_telegram.moved["voice-3"] = storage[0] + "/signed/voice"
    bot = create_bot(BOT_TOKEN, fake_telegram.url)
    try:
        files = TelegramFiles(bot)
        assert await files.fetch("voice-1", 1024) == b"OggS her voice"
        assert await files.fetch("voice-2", 1024) == b"OggS her voice"
        with pytest.raises(MediaUnavailable, match="redirected away from Telegram"):
            await files.fetch("voice-3", 1024)
        with pytest.raises(MediaTooLarge):
            await files.fetch("voice-1", 8)
    finally:
        await bot.session.close()
    assert storage[1] == []  # never asked
