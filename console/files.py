"""Her files as fetched in the last minutes, so that opening one is one fetch from its platform.

A player asks for a voice note in parts (Safari: the first bytes, then the rest), and a staff member
opens a photo again after reading on: each was a whole new fetch from Telegram or Twilio. The files are
kept in this process's memory only, for a few minutes and within a size, and never written anywhere.
Rights are checked before a file is asked of this (`threads.file_of`): what is kept is only ever given to
staff allowed to open it.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable

from core.channel import MediaSource

KEEP_SECONDS = 300.0  # long enough to play it or look again, short enough to hold no archive
KEEP_BYTES = 64 * 1024 * 1024  # in all, per channel: three files at the largest a platform gives


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
        later: Callable[[float, Callable[[], None]], object] | None = None,
    ) -> None:
        """`later(seconds, forget)`: how forgetting a file is scheduled (the event loop's `call_later`)."""
        self._source = source
        self._keep_seconds = keep_seconds
        self._keep_bytes = keep_bytes
        self._later = later
        self._kept: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._size = 0
        self._fetching: dict[tuple[str, int], asyncio.Future[bytes]] = {}

    @property
    def held(self) -> int:
        """How many bytes of her files are in memory now."""
        return self._size

    async def fetch(self, reference: str, limit: int) -> bytes:
        key = (reference, limit)
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            return kept
        fetching = self._fetching.get(key)
        if fetching is None:
            fetching = asyncio.ensure_future(self._fetch(key))
            self._fetching[key] = fetching
        # One request given up (her browser closed) does not stop the fetch the others wait for; a failure
        # nobody waits for any more is marked read by `shield`.
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
        self._kept[key] = body
        self._size += len(body)
        while self._size > self._keep_bytes:
            _, given_up = self._kept.popitem(last=False)
            self._size -= len(given_up)
        later = self._later or asyncio.get_running_loop().call_later
        later(self._keep_seconds, lambda: self._forget(key, body))

    def _forget(self, key: tuple[str, int], body: bytes) -> None:
        """The file kept at `key`, gone from memory, unless it was given up already (and perhaps fetched
        again since: then its own time counts)."""
        if self._kept.get(key) is body:
            del self._kept[key]
            self._size -= len(body)
