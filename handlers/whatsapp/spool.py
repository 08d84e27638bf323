"""WhatsApp messages kept on disk while the database is out of reach, and answered once it is back.

Twilio does not send a webhook again by default: a message we cannot handle now would be lost. So its form
(already checked against Twilio's signature) is written to the spool directory before we answer Twilio, one
file a message, named by the time it arrived, and replayed in that order by any web process once the
database answers: each is handled as if it had just arrived (at the time it did), its answers go through the
REST API (the webhook's response is long gone), and its file is removed. A process that starts replays what
it finds. Two processes replaying one directory each take a file by renaming it; a file taken by a process
that died is taken again at the next start, and the seen record (`storage.seen`) answers it once.

The files hold what she wrote, and her number: they are readable by the owner alone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path

from core.channel import Inbound, Reply, Unavailable
from handlers.whatsapp.inbound import inbound_from_form

log = logging.getLogger(__name__)
Handle = Callable[[Inbound], Awaitable[list[Reply]]]
Answer = Callable[[Inbound, list[Reply]], Awaitable[None]]
WAITING = ".json"
TAKEN = ".taken"


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def keep(self, form: Mapping[str, str], received_at: datetime) -> None:
        """The message on disk (whole, or not at all) before Twilio is answered."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # In the order they came: by the time received, then by this machine's clock in nanoseconds (two
        # messages of the same microsecond), then a random part (two processes at the same nanosecond).
        name = f"{received_at.timestamp():020.6f}-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        partial = self.directory / f"{name}.part"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump({"form": dict(form), "received_at": received_at.isoformat()}, file, ensure_ascii=False)
            file.flush()
            os.fsync(file.fileno())
        partial.rename(self.directory / f"{name}{WAITING}")

    def waiting(self) -> int:
        return len(self._files(WAITING))

    def take_back_abandoned(self) -> None:
        """At start: files taken by a process that stopped before answering them wait again."""
        for taken in self._files(TAKEN):
            # Another process starting at the same moment may have taken it back first.
            with contextlib.suppress(FileNotFoundError):
                taken.rename(taken.with_suffix(WAITING))

    async def replay(self, handle: Handle, answer: Answer) -> int:
        """Every waiting message handled in the order it arrived, until the database is away again; how many
        were handled."""
        handled = 0
        for waiting in self._files(WAITING):
            taken = waiting.with_suffix(TAKEN)
            try:
                waiting.rename(taken)
            except FileNotFoundError:
                continue  # another process took it
            kept = json.loads(taken.read_text(encoding="utf-8"))
            inbound = inbound_from_form(kept["form"], datetime.fromisoformat(kept["received_at"]))
            if inbound is not None:
                try:
                    replies = await handle(inbound)
                except Unavailable:
                    taken.rename(waiting)  # it waits, and so do those after it: her messages in order
                    return handled
                await answer(inbound, replies)
            taken.unlink()
            handled += 1
        return handled

    def _files(self, suffix: str) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"*{suffix}"))
