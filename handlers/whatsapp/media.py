"""Files she sent on WhatsApp, fetched from the media URL Twilio gave us, with our account's credentials
(HTTP basic auth, as Twilio asks when media is protected). Only from the configured Twilio API's host: a URL
elsewhere is never sent our credentials."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp

from conversations.messages import MediaTooLarge, MediaUnavailable

TWILIO_API = "https://api.twilio.com"
CHUNK = 64 * 1024


class TwilioMedia:
    def __init__(
        self, account_sid: str, auth_token: str, api_base: str | None = None, timeout: float = 60
    ) -> None:
        self.auth = aiohttp.BasicAuth(account_sid, auth_token)
        self.host = urlsplit(api_base or TWILIO_API).netloc
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def fetch(self, reference: str, limit: int) -> bytes:
        if urlsplit(reference).netloc != self.host:
            raise MediaUnavailable("not a media URL of our Twilio account's API")
        try:
            async with (
                aiohttp.ClientSession(auth=self.auth, timeout=self.timeout) as http,
                http.get(reference) as response,  # Twilio redirects to its storage: credentials stay here
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
