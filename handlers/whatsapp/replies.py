"""Reply → WhatsApp text: options as a numbered list she answers by typing, under 1,600 characters."""

from __future__ import annotations

from collections.abc import Sequence

from core.channel import Reply
from core.text import directed
from handlers.splitting import combine, split_message

BODY_LIMIT = 1600


def text_of(reply: Reply) -> str:
    """The text, then one line per option: "1. التسجيل". Digits first read well right to left too."""
    return directed("\n".join([reply.text, *reply.option_lines()]))


def bodies(replies: Sequence[Reply]) -> list[str]:
    """The message bodies for a turn's replies: combined into as few as fit, split between lines."""
    return [body for reply in combine(replies) for body in split_message(text_of(reply), BODY_LIMIT)]
