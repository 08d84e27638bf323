"""Telegram's webhook (POST /webhooks/telegram), where this process answers Telegram and has a public address:
aiogram's handler, with our refusals logged and an update that waits for the database given back."""

from __future__ import annotations

import logging
import secrets

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from core.channel import Unavailable

log = logging.getLogger(__name__)
TELEGRAM_WEBHOOK = "/webhooks/telegram"


class TelegramWebhook(SimpleRequestHandler):
    """aiogram's handler (constant-time secret check, 401 on mismatch), logging every refusal, and
    answering Telegram only once the update is handled: an update that waits for the database gets 503, and
    Telegram sends it again (it is answered once: `storage.seen`)."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret)

    async def handle(self, request: web.Request) -> web.Response:
        try:
            return await super().handle(request)
        except Unavailable:  # the database is out of reach: Telegram delivers the update again later
            return web.Response(status=503, text="try again later")
        except (ValueError, ValidationError, RecursionError) as malformed:  # not JSON, not an update, or
            # nested deeper than the parser goes: not Telegram's
            log.warning(
                "refused a Telegram webhook call with a malformed body (%s)", type(malformed).__name__
            )
            return web.Response(status=400, text="not an update")

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        # Compared as bytes: aiogram's comparison of text raises on a header that is not ASCII.
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        accepted = self.secret_token is not None and secrets.compare_digest(given, self.secret_token.encode())
        if not accepted:
            log.warning(
                "refused a Telegram webhook call with a %s secret",
                "wrong" if telegram_secret_token else "missing",
            )
        return accepted
