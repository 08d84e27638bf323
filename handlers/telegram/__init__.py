"""Telegram: updates become Inbound, replies become Bot API calls. Nothing else.

`mount` sets Telegram up in a process: its sender (our own Bot API client, `api`), and where the process
answers Telegram, aiogram's dispatcher with our router, fed by our webhook (with a public address) or by long
polling (`answering`, imported there alone: decision 0119)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime
from typing import TYPE_CHECKING

from core.channel import Channel
from handlers.mounting import Mounted
from handlers.telegram.api import BotApi
from handlers.telegram.sender import TelegramSender

if TYPE_CHECKING:
    from aiohttp import web

    from handlers.telegram.router import Handle


def mount(
    app: web.Application | None,
    handle: Handle,
    *,
    token: str,
    api_base: str | None,
    public: Callable[[str], str] | None,
    secret: str,
    clock: Callable[[], datetime],
    sleep: Callable[[float], Awaitable[None]],
    resources: AsyncExitStack,
) -> Mounted:
    """Telegram in this process: its sender (its session closed with `resources`). With `app` (this process
    answers Telegram), the dispatcher that hands updates to `handle` too (`answering`)."""
    api = BotApi(token, api_base)
    resources.push_async_callback(api.close)
    sender = TelegramSender(api)
    if app is None:  # a worker or a scheduler: it sends, and answers nothing; aiogram is never imported
        return Mounted(Channel.TELEGRAM, sender, media=None)
    from handlers.telegram.answering import answering

    return answering(
        app,
        handle,
        sender,
        token=token,
        api_base=api_base,
        public=public,
        secret=secret,
        clock=clock,
        sleep=sleep,
        resources=resources,
    )
