"""Staff sign in to the web console: a session in a cookie that the server can end, a CSRF token on every
form, wrong passwords slowed and then locked for one login from one address, and strict security headers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.logs import redact
from bot.service import Service
from core.domain import StaffRole
from office import staff
from office.rights import OPERATOR
from storage.db import Database
from storage.models import ConsoleSession, KnownBrowser, SignInFailure
from tests.support.builders import PASSWORD, add_staff
from tests.support.comparisons import compared, compares
from tests.support.console import console_server, visitor
from tests.support.people import Clock


@pytest.fixture
async def console(database: Database, database_url: str, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    async with console_server(database_url, clock) as service:
        yield service


async def test_she_signs_in_sees_her_console_and_signs_out(console: Service) -> None:
    async with visitor(console) as sara:
        await sara.get("/console/families")
        assert sara.status == 303 and sara.location == "/console/login?next=/console/families"
        page = await sara.get("/console/login")
        assert '<html lang="ar" dir="rtl">' in page and "تسجيل الدخول" in page
        await sara.signs_in("Sara")  # a login is not case-sensitive
        assert sara.status == 303 and sara.location == "/console/"
        cookie = sara.headers.getall("Set-Cookie")
        session_cookie = next(c for c in cookie if c.startswith("usar_console="))
        assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
        assert "Secure" not in session_cookie  # http on this machine: bare names, the console's path
        assert "Path=/console/" in session_cookie
        page = await sara.get("/console/families")
        assert sara.status == 200 and "sara" in page
        assert sara.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "frame-ancestors 'none'" in sara.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in sara.headers["Content-Security-Policy"]
        assert sara.headers["X-Content-Type-Options"] == "nosniff"
        assert sara.headers["Cache-Control"] == "no-store"
        token = sara.form_token()
        signed_in = sara.cookie("usar_console")

        await sara.post("/console/logout", {"csrf": token})
        assert sara.status == 303 and sara.location == "/console/login"
        await sara.get("/console/families")
        assert sara.status == 303  # signed out

    async with visitor(console) as someone_with_her_old_cookie:
        someone_with_her_old_cookie.http.cookie_jar.update_cookies({"usar_console": signed_in})
        await someone_with_her_old_cookie.get("/console/families")
        assert someone_with_her_old_cookie.status == 303  # the session ended on the server


async def test_a_form_without_its_token_changes_nothing(console: Service) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.post("/console/logout", {})
        assert sara.status == 403 and "انتهت صلاحية" in sara.text
        await sara.post("/console/logout", {"csrf": "forged"})
        assert sara.status == 403
        await sara.get("/console/families")
        assert sara.status == 200  # still signed in
        await sara.post("/console/login", {"csrf": "forged", "login": "sara", "password": PASSWORD})
        assert sara.status == 403


async def test_after_the_time_sign_in_lasts_she_signs_in_again(console: Service, clock: Clock) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        clock.advance(hours=11)
        await sara.get("/console/families")
        assert sara.status == 200
        clock.advance(hours=1, seconds=1)
        await sara.get("/console/families?page=2")
        assert sara.status == 303 and sara.location == "/console/login?next=/console/families?page%3D2"


async def test_wrong_passwords_are_slowed_then_lock_that_login_from_that_address_alone(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as guesser:
        for attempt in range(5):
            await guesser.signs_in("sara", password=f"guess number {attempt}")
            assert guesser.status == 401 and "اسم الدخول أو كلمة المرور غير صحيحة" in guesser.text
        assert clock.slept == [1.0, 2.0, 4.0]  # the third and later wrong tries wait longer and longer
        await guesser.signs_in("sara")  # even the right password: locked
        assert guesser.status == 429 and "محاولات خاطئة كثيرة" in guesser.text
        await guesser.signs_in("noura", password="not hers either")
        assert guesser.status == 401  # another login is not locked by these

    async with visitor(console, from_address="127.0.0.2") as sara_at_her_desk:
        await sara_at_her_desk.signs_in("sara")  # from her own machine she still gets in
        assert sara_at_her_desk.status == 303

    clock.advance(minutes=15, seconds=1)
    async with visitor(console) as guesser:
        await guesser.signs_in("sara")
        assert guesser.status == 303  # the lock lasts 15 minutes


async def test_wrong_passwords_sent_all_at_once_are_counted_one_after_another(console: Service) -> None:
    async with AsyncExitStack() as stack:
        guessers = [await stack.enter_async_context(visitor(console, "127.0.0.4")) for _ in range(10)]
        for guesser in guessers:
            await guesser.get("/console/login")
        await asyncio.gather(
            *(
                guesser.post(
                    "/console/login",
                    {"csrf": guesser.form_token(), "login": "sara", "password": f"guess number {number}"},
                )
                for number, guesser in enumerate(guessers)
            )
        )
        assert sorted(guesser.status for guesser in guessers) == [401] * 5 + [429] * 5
        await guessers[0].signs_in("sara")
        assert guessers[0].status == 429


async def test_an_admin_unlocks_a_login_at_once(console: Service, database: Database, clock: Clock) -> None:
    async with visitor(console) as sara:
        for attempt in range(5):
            await sara.signs_in("sara", password=f"forgot it {attempt}")
        await sara.signs_in("sara")
        assert sara.status == 429
        await database.run(lambda s: staff.unlock(s, OPERATOR, "sara", clock.now))
        await sara.signs_in("sara")
        assert sara.status == 303


async def test_many_wrong_tries_from_one_address_lock_that_address(console: Service) -> None:
    async with visitor(console, from_address="127.0.0.3") as sprayer:
        for number in range(20):
            await sprayer.signs_in(f"someone{number}", password="password1234")
        await sprayer.signs_in("noura")
        assert sprayer.status == 429
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        assert noura.status == 303


async def test_a_new_password_or_her_removal_signs_her_out_everywhere(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as on_her_phone, visitor(console) as at_her_desk:
        for place in (on_her_phone, at_her_desk):
            await place.signs_in("sara")
        await database.run(
            lambda s: staff.set_password(s, OPERATOR, "sara", "a brand new password", clock.now)
        )
        for place in (on_her_phone, at_her_desk):
            await place.get("/console/families")
            assert place.status == 303
        await at_her_desk.signs_in("sara")
        assert at_her_desk.status == 401  # the old password no longer works
        await at_her_desk.signs_in("sara", password="a brand new password")
        assert at_her_desk.status == 303
        await database.run(lambda s: staff.remove(s, OPERATOR, "sara", clock.now))
        await at_her_desk.get("/console/families")
        assert at_her_desk.status == 303


async def test_sign_in_goes_back_to_the_page_she_asked_for_and_never_elsewhere(console: Service) -> None:
    async with visitor(console) as sara:
        await sara.get("/console/login?next=/console/families")
        await sara.post(
            "/console/login",
            {
                "csrf": sara.form_token(),
                "login": "sara",
                "password": PASSWORD,
                "next": "https://evil.example/",
            },
        )
        assert sara.status == 303 and sara.location == "/console/"


async def test_after_sign_in_she_never_leaves_the_console(console: Service) -> None:
    elsewhere = (
        "//evil.example/console/",
        "/console/..//evil.example",  # a browser reads it as //evil.example on this site
        "/console/%2e%2e/%2e%2e//evil.example",
        "/console/../webhooks/telegram",
    )
    for place in elsewhere:
        async with visitor(console) as sara:
            await sara.get("/console/login")
            form = {"csrf": sara.form_token(), "login": "sara", "password": PASSWORD, "next": place}
            await sara.post("/console/login", form)
            assert (sara.status, sara.location) == (303, "/console/"), place
            await sara.get("/console/login?next=" + quote(place))  # signed in already
            assert (sara.status, sara.location) == (303, "/console/"), place
            await sara.get("/console/families")
            await sara.post("/console/language", {"csrf": sara.form_token(), "language": "ar", "back": place})
            assert (sara.status, sara.location) == (303, "/console/"), place
            await sara.get("/console/login?next=" + quote("/console/families?page=2"))
            assert (sara.status, sara.location) == (303, "/console/families?page=2")  # where she asked


async def test_the_forms_tokens_are_compared_in_constant_time(
    console: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with visitor(console) as sara:
        await sara.get("/console/login")
        sign_in_token = sara.form_token()
        calls = compared(monkeypatch)
        await sara.post("/console/login", {"csrf": sign_in_token, "login": "sara", "password": PASSWORD})
        assert sara.status == 303 and compares(calls, sign_in_token)  # sign-in's own, before a session
        await sara.get("/console/families")
        token = sara.form_token()
        calls.clear()
        await sara.post("/console/logout", {"csrf": "x" * len(token)})
        assert sara.status == 403 and compares(calls, "x" * len(token))  # a session's, refused
        calls.clear()
        await sara.post("/console/logout", {"csrf": token})
        assert sara.status == 303 and compares(calls, token)


async def test_an_empty_token_is_no_token(console: Service) -> None:
    async with (
        visitor(console) as someone,
        someone.http.post(
            someone.base + "/console/login",
            data={"csrf": "", "login": "sara", "password": PASSWORD},
            headers={"Cookie": "usar_form="},
            allow_redirects=False,
        ) as response,
    ):
        assert response.status == 403


async def test_a_guesser_behind_her_offices_address_does_not_lock_out_the_staff_who_signed_in_there(
    console: Service,
) -> None:
    """The office's staff share one public address. Sara signed in there before; someone there guesses
    twenty times: the address is locked for new browsers, not for hers."""
    async with visitor(console, from_address="127.0.0.3") as sara, visitor(console, "127.0.0.3") as guesser:
        await sara.signs_in("sara")
        assert sara.status == 303 and sara.cookie("usar_browser")
        await sara.signs_out()
        for number in range(20):
            await guesser.signs_in(f"someone{number}", password="password1234")
        await guesser.signs_in("sara")
        assert guesser.status == 429
        await sara.signs_in("sara")
        assert sara.status == 303
        await sara.signs_out()
        for _ in range(5):  # her own browser still locks her login there after five wrong tries
            await sara.signs_in("sara", password="not her password")
        await sara.signs_in("sara")
        assert sara.status == 429
        await sara.signs_in("noura")  # her browser is hers alone: noura's login is counted by the address
        assert sara.status == 429


async def test_sessions_and_wrong_tries_long_over_are_forgotten(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara", password="not her password")
        await sara.signs_in("sara")
        await sara.get("/console/families")
        await sara.post("/console/logout", {"csrf": sara.form_token()})
        await sara.signs_in("sara")

    def kept(session: Session) -> tuple[int, int]:
        sessions = session.scalar(select(func.count()).select_from(ConsoleSession))
        failures = session.scalar(select(func.count()).select_from(SignInFailure))
        return sessions or 0, failures or 0

    async with visitor(console, "127.0.0.5") as guesser:
        await guesser.signs_in("noura", password="a guess")
    await console.run_retention()
    assert await database.run(kept) == (2, 1)  # while they may still count
    clock.advance(hours=12, seconds=1)
    await console.run_retention()
    assert await database.run(kept) == (0, 0)
    browsers = select(func.count()).select_from(KnownBrowser)
    assert await database.run(lambda s: s.scalar(browsers)) == 1  # her browser is known for 90 days
    clock.advance(days=90)
    await console.run_retention()
    assert await database.run(lambda s: s.scalar(browsers)) == 0


async def test_over_https_the_cookies_are_host_cookies_and_a_planted_bare_one_is_not_read(
    database: Database, database_url: str, clock: Clock
) -> None:
    """`__Host-` cookies: a browser keeps them only from https, Secure, for the path / and no domain, so a
    page of another subdomain (or plain http) cannot plant one; a cookie of the bare name is not read."""
    await add_staff(database, clock, "sara")
    https = console_server(database_url, clock, public_url="https://usar.example.org/")
    async with https as service, visitor(service) as sara:
        await sara.get("/console/login?lang=en")
        given = cookies_set(sara.headers)
        assert set(given) == {"__Host-usar_form", "__Host-usar_language"}
        token = sara.form_token()

        # The test's client speaks http, so it does not send a Secure cookie back: given by hand.
        async def signs_in(cookie: str) -> aiohttp.ClientResponse:
            async with sara.http.post(
                sara.base + "/console/login",
                data={"csrf": token, "login": "sara", "password": PASSWORD},
                headers={"Cookie": cookie},
                allow_redirects=False,
            ) as response:
                await response.read()
                return response

        planted = await signs_in(f"usar_form={token}")  # the bare name, as a subdomain could plant it
        assert planted.status == 403
        signed_in = await signs_in(f"__Host-usar_form={token}")
        assert signed_in.status == 303
        given = cookies_set(signed_in.headers)
        assert set(given) == {"__Host-usar_console", "__Host-usar_browser", "__Host-usar_form"}
        assert "Max-Age=0" in given["__Host-usar_form"]  # sign-in's token forgotten
        for cookie in given.values():
            attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
            assert {"secure", "httponly", "path"} <= attributes and "domain" not in attributes, cookie
            assert "Path=/;" in cookie + ";" and "Path=/console" not in cookie, cookie
        session = given["__Host-usar_console"].split(";")[0].split("=", 1)[1]

        async def families(cookie: str) -> int:
            async with sara.http.get(
                sara.base + "/console/families", headers={"Cookie": cookie}, allow_redirects=False
            ) as response:
                return response.status

        assert await families(f"__Host-usar_console={session}") == 200
        assert await families(f"usar_console={session}") == 303  # the bare name signs nobody in


def cookies_set(headers: Any) -> dict[str, str]:
    """The Set-Cookie headers of a response, by the cookie's name."""
    return {cookie.split("=", 1)[0]: cookie for cookie in headers.getall("Set-Cookie", [])}


async def test_behind_a_trusted_proxy_the_lock_is_the_clients_not_everyones(
    database: Database, database_url: str, clock: Clock
) -> None:
    await add_staff(database, clock, "sara")
    proxied = console_server(database_url, clock, trusted_proxies="127.0.0.1")
    async with proxied as service, visitor(service) as guesser, visitor(service) as sara:
        guesser.sends["X-Forwarded-For"] = "10.9.9.9, 203.0.113.5"  # what the proxy added comes last
        sara.sends["X-Forwarded-For"] = "203.0.113.77"
        for attempt in range(5):
            await guesser.signs_in("sara", password=f"a guess {attempt}")
        await guesser.signs_in("sara")
        assert guesser.status == 429
        await sara.signs_in("sara")  # the same login from her own desk, through the same proxy
        assert sara.status == 303


async def test_a_forwarded_address_from_anyone_else_is_not_believed(console: Service) -> None:
    async with visitor(console) as guesser:
        for attempt in range(5):
            guesser.sends["X-Forwarded-For"] = f"203.0.113.{attempt}"  # a new "address" each try
            await guesser.signs_in("sara", password=f"a guess {attempt}")
        await guesser.signs_in("sara")
        assert guesser.status == 429  # still one address: the lock holds


async def test_a_staff_member_removed_and_brought_back_needs_a_new_password(
    console: Service, database: Database, clock: Clock
) -> None:
    await database.run(lambda s: staff.remove(s, OPERATOR, "sara", clock.now))
    await database.run(
        lambda s: staff.add(s, OPERATOR, None, StaffRole.STAFF, "makkah", clock.now, login="sara")
    )
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        assert sara.status == 401  # her old password went with her removal


def test_the_session_cookie_never_reaches_the_log() -> None:
    quoted = "Bad request: b'GET / HTTP/1.1\\r\\nCookie: usar_console=Zq9-secret_token; lang=ar'"
    assert redact(quoted) == "Bad request: b'GET / HTTP/1.1\\r\\nCookie: usar_console=***; lang=ar'"
    over_https = "Cookie: __Host-usar_console=Zq9-secret_token; __Host-usar_form=abc"
    assert redact(over_https) == "Cookie: __Host-usar_console=***; __Host-usar_form=abc"
