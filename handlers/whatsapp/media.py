"""Files she sent on WhatsApp, fetched from the media URL Twilio gave us, with our account's credentials
(HTTP basic auth, as Twilio asks when media is protected). Only from the configured Twilio API's host: a URL
elsewhere is never sent our credentials."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp

from core.channel import MediaTooLarge, MediaUnavailable

TWILIO_API = "https://api.twilio.com"
CHUNK = 64 * 1024


class TwilioMedia:
    def __init__(
        self, account_sid: str, auth_token: str, api_base: str | None = None, timeout: float = 60
    ) -> None:
        self.auth = aiohttp.BasicAuth(account_sid, auth_token)
        base = urlsplit(api_base or TWILIO_API)
        self.scheme, self.host = base.scheme, base.netloc
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def fetch(self, reference: str, limit: int) -> bytes:
        where = urlsplit(reference)
        if (where.scheme, where.netloc) != (self.scheme, self.host):
            raise MediaUnavailable("not a media URL of our Twilio account's API")
        try:
            async with (
                aiohttp.ClientSession(timeout=self.timeout) as http,
                # On the request, not the session: aiohttp drops a request's credentials when Twilio
                # redirects to its storage's host (a session's it would send there again).
                http.get(reference, auth=self.auth) as response,
            ):
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
        except (aiohttp.ClientError, TimeoutError) as problem:
            raise MediaUnavailable(type(problem).__name__) from problem
