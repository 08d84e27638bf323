"""Files she sent on Telegram, fetched by their file_id with our bot's token (getFile, then the file itself
from Telegram's file server): never a link of Telegram's shown to anyone.

The file is read from the Bot API server's own host (Telegram's, or the configured one), whose URL holds our
bot's token. Telegram's file server answers with the file; a redirect is followed only on that same host
(scheme and address), so that nothing from elsewhere is served to staff as her file, as for WhatsApp's
(`handlers.whatsapp.media`)."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from yarl import URL

from core.channel import MediaTooLarge, MediaUnavailable
from handlers.fetching import read_body

REDIRECTS = 3


class TelegramFiles:
    def __init__(self, bot: Bot, timeout: int = 60) -> None:
        self.bot = bot
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def fetch(self, reference: str, limit: int) -> bytes:
        try:
            found = await self.bot.get_file(reference)
        except TelegramBadRequest as refused:  # "file is too big": Telegram gives bots files to 20 MB
            if "too big" in refused.message.lower():
                raise MediaTooLarge from refused
            raise MediaUnavailable(refused.message) from refused
        except (TelegramAPIError, OSError, TimeoutError) as problem:
            raise MediaUnavailable(type(problem).__name__) from problem
        if found.file_size is not None and found.file_size > limit:
            raise MediaTooLarge
        if not found.file_path:
            raise MediaUnavailable("no file path")
        try:
            return await self._download(found.file_path, limit)
        except (aiohttp.ClientError, OSError, TimeoutError) as problem:
            raise MediaUnavailable(type(problem).__name__) from problem

    async def _download(self, file_path: str, limit: int) -> bytes:
        url = self.bot.session.api.file_url(self.bot.token, file_path)
        home = urlsplit(url)[:2]  # scheme and host of the Bot API server
        async with aiohttp.ClientSession(timeout=self.timeout) as http:
            for _ in range(REDIRECTS + 1):
                async with http.get(url, allow_redirects=False) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        url = str(response.url.join(URL(response.headers.get("Location", ""))))
                        if urlsplit(url)[:2] != home:
                            raise MediaUnavailable("redirected away from Telegram")
                        continue
                    return await read_body(response, limit)
        raise MediaUnavailable("too many redirects")
