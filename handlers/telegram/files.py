"""Files she sent on Telegram, fetched by their file_id with our bot's token (getFile, then the file itself
from Telegram's file server): never a link of Telegram's shown to anyone."""

from __future__ import annotations

from io import BytesIO

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from core.channel import MediaTooLarge, MediaUnavailable


class TelegramFiles:
    def __init__(self, bot: Bot, timeout: int = 60) -> None:
        self.bot = bot
        self.timeout = timeout

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
        body = BytesIO()
        try:
            await self.bot.download_file(found.file_path, destination=body, timeout=self.timeout)
        except (TelegramAPIError, aiohttp.ClientError, OSError, TimeoutError) as problem:
            raise MediaUnavailable(type(problem).__name__) from problem
        if body.tell() > limit:
            raise MediaTooLarge
        return body.getvalue()
