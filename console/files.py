"""Her files as fetched in the last minutes, so that opening one is one fetch from its platform.

A player asks for a voice note in parts (Safari: the first bytes, then the rest), and a staff member
opens a photo again after reading on: each was a whole new fetch from Telegram or Twilio. The files are
kept in this process's memory only, for a few minutes and within a size, and never written anywhere.
Rights are checked before a file is asked of this (`inbox.file_of`): what is kept is only ever given to
staff allowed to open it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from conversations.messages import MediaSource

KEEP_SECONDS = 300.0  # long enough to play it or look again, short enough to hold no archive
KEEP_BYTES = 64 * 1024 * 1024  # in all, per channel: three files at the largest a platform gives


@dataclass(frozen=True)
class _Kept:
    body: bytes
    until: float


class RecentFiles:
    """A channel's `MediaSource`, keeping what it fetched for `KEEP_SECONDS`, the least recently opened
    given up first beyond `KEEP_BYTES`. Requests for a file being fetched wait for that fetch; a failed
    fetch is not kept, so the next request tries again."""

    def __init__(
        self,
        source: MediaSource,
        *,
        keep_seconds: float = KEEP_SECONDS,
        keep_bytes: int = KEEP_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._keep_seconds = keep_seconds
        self._keep_bytes = keep_bytes
        self._clock = clock
        self._kept: OrderedDict[tuple[str, int], _Kept] = OrderedDict()
        self._size = 0
        self._fetching: dict[tuple[str, int], asyncio.Future[bytes]] = {}

    async def fetch(self, reference: str, limit: int) -> bytes:
        key = (reference, limit)
        self._forget_old()
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            return kept.body
        fetching = self._fetching.get(key)
        if fetching is None:
            fetching = asyncio.ensure_future(self._fetch(key))
            fetching.add_done_callback(_seen)
            self._fetching[key] = fetching
        # One request given up (her browser closed) does not stop the fetch the others wait for.
        return await asyncio.shield(fetching)

    async def _fetch(self, key: tuple[str, int]) -> bytes:
        try:
            body = await self._source.fetch(*key)
        finally:
            del self._fetching[key]
        self._keep(key, body)
        return body

    def _keep(self, key: tuple[str, int], body: bytes) -> None:
        if len(body) > self._keep_bytes:
            return
        earlier = self._kept.pop(key, None)
        if earlier is not None:
            self._size -= len(earlier.body)
        self._kept[key] = _Kept(body, self._clock() + self._keep_seconds)
        self._size += len(body)
        while self._size > self._keep_bytes:
            _, given_up = self._kept.popitem(last=False)
            self._size -= len(given_up.body)

    def _forget_old(self) -> None:
        now = self._clock()
        for key in [key for key, kept in self._kept.items() if kept.until <= now]:
            self._size -= len(self._kept.pop(key).body)


def _seen(fetching: asyncio.Future[bytes]) -> None:
    """Its failure is the requests' to report; when every request was given up, it is simply dropped."""
    if not fetching.cancelled():
        fetching.exception()
