"""What a channel hands the composition root once mounted (each channel package's `mount` adds its routes to
the web server and returns this): its sender, where the console fetches the files she sends on it, and what
it does while the process runs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.channel import Channel, MediaSource, Sender


async def _nothing_runs() -> asyncio.Task[None] | None:
    return None


async def _nothing_to_stop() -> None:
    return None


@dataclass(frozen=True)
class Mounted:
    channel: Channel
    sender: Sender  # the outbox's, in every role
    media: MediaSource | None  # None where this process answers no channel (and serves no console)
    # Once the web server listens, in the process that answers the channel: its webhook announced to the
    # platform, or polling begun; what then runs by itself (the process ends if that does).
    start: Callable[[], Awaitable[asyncio.Task[None] | None]] = _nothing_runs
    stop: Callable[[], Awaitable[None]] = _nothing_to_stop  # no new messages; those in hand finish
    # The messages it kept itself while the database was away, answered now: how many (None: it keeps none).
    replay: Callable[[], Awaitable[int]] | None = None
