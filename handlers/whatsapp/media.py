"""Files she sent on WhatsApp, fetched from the media URL Twilio gave us, with our account's credentials
(HTTP basic auth, as Twilio asks when media is protected). Only from the configured Twilio API's host: a URL
elsewhere is never sent our credentials. Twilio answers with a redirect to its storage; a redirect is
followed (without the credentials) only to Twilio's own hosts, so that nothing from elsewhere is served to
staff as her file."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from core.channel import MediaUnavailable
from handlers.fetching import read_body

TWILIO_API = "https://api.twilio.com"
TWILIO_STORAGE = (".twilio.com", ".twiliocdn.com")  # where Twilio's media redirects go, over https
REDIRECTS = 3


class TwilioMedia:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_base: str | None = None,
        timeout: float = 60,
        storage: Sequence[str] = (),
    ) -> None:
        """`storage`: hosts ("host:port") a redirect may also go to, beside Twilio's (a test's fake)."""
        self.auth = aiohttp.BasicAuth(account_sid, auth_token)
        base = urlsplit(api_base or TWILIO_API)
        self.scheme, self.host = base.scheme, base.netloc
        self.storage = tuple(storage)
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def _twilios(self, url: str) -> bool:
        where = urlsplit(url)
        if (where.scheme, where.netloc) == (self.scheme, self.host) or where.netloc in self.storage:
            return True
        host = where.hostname or ""
        return where.scheme == "https" and (host == "twilio.com" or host.endswith(TWILIO_STORAGE))

    async def fetch(self, reference: str, limit: int) -> bytes:
        where = urlsplit(reference)
        if (where.scheme, where.netloc) != (self.scheme, self.host):
            raise MediaUnavailable("not a media URL of our Twilio account's API")
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as http:
                url = reference
                auth: aiohttp.BasicAuth | None = self.auth
                for _ in range(REDIRECTS + 1):
                    # Redirects one by one: the credentials go to our API's host alone, and a redirect
                    # only to Twilio's hosts.
                    async with http.get(url, auth=auth, allow_redirects=False) as response:
                        if response.status in (301, 302, 303, 307, 308):
                            url = str(response.url.join(URL(response.headers.get("Location", ""))))
                            if not self._twilios(url):
                                raise MediaUnavailable("redirected away from Twilio")
                            auth = self.auth if urlsplit(url).netloc == self.host else None
                            continue
                        return await read_body(response, limit)
                raise MediaUnavailable("too many redirects")
        except (aiohttp.ClientError, TimeoutError) as problem:
            raise MediaUnavailable(type(problem).__name__) from problem
