"""Her files as staff open them: one fetch from the platform for the parts a player asks one after another,
none kept past a few minutes or beyond a size, and a failed fetch tried again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from console.files import RecentFiles
from core.channel import MediaUnavailable

LIMIT = 20 * 1024 * 1024


class Platform:
    """Telegram or Twilio as a file source: what each file is, and what it was asked."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.asked: list[str] = []
        self.failing: set[str] = set()
        self.opened = asyncio.Event()
        self.opened.set()

    async def fetch(self, reference: str, limit: int) -> bytes:
        self.asked.append(reference)
        await self.opened.wait()
        if reference in self.failing:
            raise MediaUnavailable(reference)
        return self.files[reference]


class Later:
    """The event loop's timers, run when the test says the time has come."""

    def __init__(self) -> None:
        self.waiting: list[tuple[float, Callable[[], None]]] = []

    def __call__(self, seconds: float, then: Callable[[], None]) -> None:
        self.waiting.append((seconds, then))

    def pass_(self, seconds: float) -> None:
        due = [then for after, then in self.waiting if after <= seconds]
        self.waiting = [(after - seconds, then) for after, then in self.waiting if after > seconds]
        for then in due:
            then()


async def test_a_voice_note_played_by_parts_is_fetched_once_then_again_after_five_minutes() -> None:
    platform, later = Platform({"voice-1": b"OggS voice"}), Later()
    files = RecentFiles(platform, later=later)
    assert await files.fetch("voice-1", LIMIT) == b"OggS voice"  # the first part
    later.pass_(60)
    assert await files.fetch("voice-1", LIMIT) == b"OggS voice"  # the rest, a minute later
    assert platform.asked == ["voice-1"]
    later.pass_(240)
    assert files.held == 0  # gone from memory at five minutes, though nobody asked for a file since
    assert await files.fetch("voice-1", LIMIT) == b"OggS voice"
    assert platform.asked == ["voice-1", "voice-1"]


async def test_two_requests_at_once_wait_for_one_fetch() -> None:
    platform = Platform({"photo-1": b"\xff\xd8\xff"})
    platform.opened.clear()
    files = RecentFiles(platform, later=Later())
    both = asyncio.gather(files.fetch("photo-1", LIMIT), files.fetch("photo-1", LIMIT))
    await asyncio.sleep(0)
    platform.opened.set()
    assert list(await both) == [b"\xff\xd8\xff", b"\xff\xd8\xff"]
    assert platform.asked == ["photo-1"]


async def test_a_request_given_up_does_not_stop_the_fetch_another_waits_for() -> None:
    platform = Platform({"photo-1": b"\xff\xd8\xff"})
    platform.opened.clear()
    files = RecentFiles(platform, later=Later())
    closed = asyncio.ensure_future(files.fetch("photo-1", LIMIT))
    waiting = asyncio.ensure_future(files.fetch("photo-1", LIMIT))
    await asyncio.sleep(0)
    closed.cancel()
    platform.opened.set()
    assert await waiting == b"\xff\xd8\xff"
    assert closed.cancelled() and platform.asked == ["photo-1"]


async def test_a_failed_fetch_is_not_kept_and_the_next_request_tries_again() -> None:
    platform = Platform({"photo-1": b"\xff\xd8\xff"})
    platform.failing.add("photo-1")
    files = RecentFiles(platform, later=Later())
    with pytest.raises(MediaUnavailable):
        await files.fetch("photo-1", LIMIT)
    platform.failing.clear()
    assert await files.fetch("photo-1", LIMIT) == b"\xff\xd8\xff"
    assert platform.asked == ["photo-1", "photo-1"]


async def test_beyond_its_size_the_file_opened_longest_ago_is_given_up() -> None:
    platform = Platform({"a": b"a" * 40, "b": b"b" * 40, "c": b"c" * 40, "big": b"x" * 101})
    files = RecentFiles(platform, keep_bytes=100, later=Later())
    for reference in ("a", "b", "a", "c"):  # "b" is now the one opened longest ago
        await files.fetch(reference, LIMIT)
    await files.fetch("a", LIMIT)
    await files.fetch("c", LIMIT)
    await files.fetch("b", LIMIT)
    assert platform.asked == ["a", "b", "c", "b"]
    await files.fetch("big", LIMIT)
    await files.fetch("big", LIMIT)
    assert platform.asked[-2:] == ["big", "big"]  # larger than all it keeps: never kept
