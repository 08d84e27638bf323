"""Reply → the arguments of Bot API sendMessage calls: text under 4096, options as inline buttons."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from core.channel import Option, Reply
from core.text import directed
from handlers.splitting import split_message, utf16_length

TEXT_LIMIT = 4096


Markup = str | None  # the keyboard as the Bot API's JSON (reply_markup), or none
REMOVED = json.dumps({"remove_keyboard": True})


@dataclass(frozen=True)
class Outgoing:
    text: str
    reply_markup: Markup = None


def keyboard(reply: Reply) -> Markup:
    if reply.close_keyboard and not reply.options:
        return REMOVED
    return _keyboard(reply.options, reply.contact_button)


@lru_cache(maxsize=4096)
def _keyboard(options: tuple[Option, ...], contact_button: str | None) -> Markup:
    """Built once per set of options: the same questions are asked of everyone."""
    if options:
        rows = [[{"text": directed(option.label), "callback_data": option.payload}] for option in options]
        return json.dumps({"inline_keyboard": rows}, ensure_ascii=False)
    if contact_button:
        share = {"text": contact_button, "request_contact": True}
        return json.dumps(
            {"keyboard": [[share]], "resize_keyboard": True, "one_time_keyboard": True}, ensure_ascii=False
        )
    return None


def messages(reply: Reply) -> list[Outgoing]:
    """The messages that carry one reply; the buttons go with the last one."""
    chunks = split_message(directed(reply.text), TEXT_LIMIT, utf16_length)
    markup = keyboard(reply)
    return [Outgoing(chunk, markup if last else None) for last, chunk in _mark_last(chunks)]


def _mark_last(chunks: list[str]) -> list[tuple[bool, str]]:
    return [(index == len(chunks) - 1, chunk) for index, chunk in enumerate(chunks)]
