"""Her files read from the platform that keeps them (Telegram's file server, Twilio's media), the same way
on both: in chunks, and no further than the largest file we take."""

from __future__ import annotations

import aiohttp

from core.channel import MediaTooLarge, MediaUnavailable

CHUNK = 64 * 1024


async def read_body(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body of a 200 answer, or MediaTooLarge as soon as it is longer than `limit` bytes."""
    if response.status != 200:
        raise MediaUnavailable(f"HTTP {response.status}")
    if (response.content_length or 0) > limit:
        raise MediaTooLarge
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK):
        body += chunk
        if len(body) > limit:
            raise MediaTooLarge
    return bytes(body)
