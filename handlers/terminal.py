"""The terminal channel: `usar chat`. Interactive on a terminal; one message per line when piped, so a
conversation can be scripted (`printf 'hi\\n1\\n' | usar chat --as 966500000001`). Messages we start
(invitations, reminders, tips, announcements, decisions) reach the chat that speaks for their address
(`TerminalSender`), so an office can rehearse the whole product on a laptop."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TextIO

from core.channel import Channel, Inbound, Outbound, Reply, SendOutcome, Sent
from core.i18n import _, use_language

Handle = Callable[[Inbound], Awaitable[list[Reply]]]


def render(reply: Reply) -> str:
    """A reply as the terminal shows it: the text, then the options numbered."""
    return "\n".join([reply.text, *(f"  {line}" for line in reply.option_lines())])


class TerminalSender:
    """Delivers what the outbox holds for the one person this terminal chat speaks for, as she would see
    it on her phone: between her messages, as it falls due."""

    channel = Channel.TERMINAL

    def __init__(self, address: str, sink: TextIO, *, interactive: bool) -> None:
        self.address = address
        self.sink = sink
        self.interactive = interactive

    async def send(self, message: Outbound) -> SendOutcome:
        lead = "\n" if self.interactive else ""  # off the prompt she may be typing at
        self.sink.write(f"{lead}{render(message.reply)}\n\n" + ("> " if self.interactive else ""))
        self.sink.flush()
        return Sent(f"console-{uuid.uuid4().hex[:16]}")


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
            channel=Channel.TERMINAL,
            address=address,
            text=line.rstrip("\r\n"),
            received_at=clock(),
            language_hint=language,
        )
        for reply in await handle(inbound):
            sink.write(render(reply) + "\n\n")
        sink.flush()
