"""The terminal channel: `usar chat`. Interactive on a terminal; one message per line when piped, so a
conversation can be scripted (`printf 'hi\\n1\\n' | usar chat --as 966500000001`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TextIO

from conversations.i18n import _, use_language
from conversations.messages import Channel, Inbound, Reply

Handle = Callable[[Inbound], Awaitable[list[Reply]]]


def render(reply: Reply) -> str:
    """A reply as the terminal shows it: the text, then the options numbered."""
    lines = [reply.text]
    lines.extend(f"  {number}. {option.label}" for number, option in enumerate(reply.options, start=1))
    return "\n".join(lines)


async def chat(
    handle: Handle,
    address: str,
    language: str,
    source: TextIO,
    sink: TextIO,
    *,
    interactive: bool,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    if interactive:
        with use_language(language):
            sink.write(_("Usar terminal chat. Type a message and press Enter; Ctrl-D ends.") + "\n\n")
    while True:
        if interactive:
            sink.write("> ")
            sink.flush()
        line = await asyncio.to_thread(source.readline)
        if not line:
            break
        inbound = Inbound(
            channel=Channel.CONSOLE,
            address=address,
            text=line.rstrip("\r\n"),
            received_at=clock(),
            language_hint=language,
        )
        for reply in await handle(inbound):
            sink.write(render(reply) + "\n\n")
        sink.flush()
