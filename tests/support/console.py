"""The web console as tests use it: a web process on SQLite or PostgreSQL (its staff, with logins and
passwords, made by `builders.add_staff`), and a browser (Debian's Chromium through Playwright) or a plain
HTTP client with its own cookies."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from yarl import URL

from bot.service import Role, Service
from bot.settings import Settings
from tests.support.builders import PASSWORD
from tests.support.people import Clock

if TYPE_CHECKING:
    from playwright.async_api import Page

CHROMIUM = Path("/usr/bin/chromium")
# The families the console's tests register (`builders.register_families`): three of Makkah, one of Jumum,
# one of Jeddah.
FAMILIES = [
    ("فاطمة أحمد الزهراني", "makkah"),
    ("نورة سعيد القرشي", "makkah"),
    ("فاطمه علي الحربي", "makkah"),
    ("مريم خالد العتيبي", "jumum"),
    ("فاطمة حسن الغامدي", "jeddah"),
]

SCREENSHOTS = Path(os.environ.get("USAR_SCREENSHOTS", Path(__file__).parents[2] / "test-screenshots"))


@asynccontextmanager
async def console_server(database_url: str, clock: Clock, **settings: Any) -> AsyncIterator[Service]:
    service = Service(
        Settings(_env_file=None, database_url=database_url, http_port=0, **settings),
        clock=clock,
        role=Role.WEB,
        run_jobs=False,
        sleep=clock.sleep,
    )
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


@dataclass
class Visitor:
    """Someone at the console with a plain HTTP client: her cookies kept, redirects not followed."""

    base: str
    http: aiohttp.ClientSession
    sends: dict[str, str] = field(default_factory=dict)  # headers sent with every request
    status: int = 0
    text: str = ""
    location: str = ""
    body: bytes = b""

    async def get(self, path: str) -> str:
        async with self.http.get(self.base + path, allow_redirects=False, headers=self.sends) as response:
            await self._read(response)
        return self.text

    async def post(self, path: str, form: dict[str, str] | list[tuple[str, str]]) -> str:
        """A form; as pairs, a field may be given more than once (the families ticked on a list)."""
        async with self.http.post(
            self.base + path, data=form, allow_redirects=False, headers=self.sends
        ) as response:
            await self._read(response)
        return self.text

    async def send_file(self, path: str, name: str, content: bytes) -> str:
        """A file sent as the console's forms send one: the form's token first, then the file."""
        form = aiohttp.FormData()
        form.add_field("csrf", self.form_token())
        form.add_field("file", content, filename=name, content_type="application/octet-stream")
        async with self.http.post(
            self.base + path, data=form, allow_redirects=False, headers=self.sends
        ) as response:
            await self._read(response)
        return self.text

    async def _read(self, response: aiohttp.ClientResponse) -> None:
        self.body = await response.read()  # a download's bytes (a workbook is not text)
        self.status, self.text = response.status, self.body.decode(response.charset or "utf-8", "replace")
        self.location = response.headers.get("Location", "")
        self.headers = response.headers

    def form_values(self, name: str) -> list[str]:
        """The values of the page's fields of this name, in order."""
        marker = f'name="{name}" value="'
        return [part.split('"', 1)[0] for part in self.text.split(marker)[1:]]

    def cookie(self, name: str) -> str:
        return dict(self.http.cookie_jar.filter_cookies(URL(self.base + "/console/")))[name].value

    def alert(self) -> str:
        """What the page says is wrong."""
        return self.text.split('role="alert">', 1)[1].split("</p>", 1)[0]

    def form_token(self) -> str:
        marker = 'name="csrf" value="'
        start = self.text.index(marker) + len(marker)
        return self.text[start : self.text.index('"', start)]

    async def signs_in(self, login: str, password: str = PASSWORD) -> None:
        await self.get("/console/login")
        await self.post("/console/login", {"csrf": self.form_token(), "login": login, "password": password})

    async def signs_out(self) -> None:
        await self.get("/console/families")
        await self.post("/console/logout", {"csrf": self.form_token()})


@asynccontextmanager
async def visitor(service: Service, from_address: str = "127.0.0.1") -> AsyncIterator[Visitor]:
    connector = aiohttp.TCPConnector(local_addr=(from_address, 0))
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield Visitor(f"http://127.0.0.1:{service.port}", http)


def chromium_or_skip() -> Path:
    """Debian's Chromium; without it the browser tests are skipped, saying why, except under CI=true."""
    if CHROMIUM.exists() and shutil.which(str(CHROMIUM)):
        return CHROMIUM
    reason = "Debian's Chromium is not installed (apt-get install chromium fonts-noto-core)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + ": CI installs it")
    pytest.skip(reason)


@asynccontextmanager
async def browser_page(service: Service) -> AsyncIterator[Page]:
    """A new Chromium page (a phone-wide window is a staff member's laptop here: 1280×800)."""
    executable = chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(executable))
        try:
            context = await browser.new_context(
                base_url=f"http://127.0.0.1:{service.port}", viewport={"width": 1280, "height": 800}
            )
            page = await context.new_page()
            page.set_default_timeout(10_000)
            yield page
        finally:
            await browser.close()


async def screenshot(page: Page, name: str) -> Path:
    """What staff see, kept to be looked at (`test-screenshots/`, or USAR_SCREENSHOTS)."""
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def signed_in(page: Page, login: str) -> None:
    """She signs in at the console's page (her dashboard opens), and opens her list of families."""
    await page.goto("/console/login")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button.primary")
    await page.wait_for_url("**/console/")  # her dashboard
    await page.goto("/console/families")
