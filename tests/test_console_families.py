"""The families pages over HTTP: rights decided by the office actions (another office's family is not found,
and nothing changes), and an action taken on a page that is out of date refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.service import Service
from office import registrations
from office.rights import OPERATOR
from storage import beneficiaries
from storage.db import Database
from storage.models import Verification
from tests.console import add_staff, console_server, register_families, visitor
from tests.people import Clock


@pytest.fixture
async def console(database: Database, database_url: str, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await register_families(database, clock, [("فاطمة أحمد", "makkah"), ("مريم خالد", "jumum")])
    async with console_server(database_url, clock) as service:
        yield service


async def verification(database: Database, family: int) -> Verification:
    found = await database.run(lambda s: beneficiaries.beneficiary(s, family))
    assert found is not None
    return found.verification


async def test_another_offices_family_cannot_be_seen_or_verified(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/families/999")
        assert sara.status == 404 and sara.alert() == "لا توجد أسرة مسجلة بهذا الرقم أو الجوال."
        await sara.get("/console/families/2")
        assert sara.status == 404 and sara.alert() == "لا توجد أسرة مسجلة بهذا الرقم أو الجوال."
        await sara.get("/console/families/1")
        token = sara.form_token()
        await sara.post("/console/families/2/verification", {"csrf": token, "change": "verified"})
        assert sara.status == 404
        await sara.post("/console/families/2/reveal", {"csrf": token})
        assert sara.status == 404 and "1000000" not in sara.text
        await sara.post("/console/families/verify", {"csrf": token, "family": "2"})
    assert await verification(database, 2) is Verification.WAITING


async def test_a_page_out_of_date_does_not_undo_what_others_did(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get("/console/families/1")
        seen = page.split('name="seen" value="', 1)[1].split('"', 1)[0]
        await database.run(
            lambda s: registrations.verify(s, OPERATOR, 1, clock.now)
        )  # someone else, meanwhile
        await sara.post(
            "/console/families/1/verification",
            {"csrf": sara.form_token(), "change": "correction", "reason": "الاسم ناقص", "seen": seen},
        )
        assert sara.status == 400 and sara.alert().startswith("لم يتغير شيء: عدّل موظف آخر تسجيلها")
        assert "الاسم ناقص" in sara.text  # what she wrote is still in the box
    assert await verification(database, 1) is Verification.VERIFIED


async def test_verifying_without_the_forms_token_changes_nothing(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.post("/console/families/1/verification", {"change": "verified"})
        assert sara.status == 403
    assert await verification(database, 1) is Verification.WAITING


async def test_numbers_in_other_digits_or_too_long_are_ignored_not_a_fault(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        for page in ("²", "1" * 5000):  # a superscript two is a digit to Python, but no number
            await sara.get(f"/console/families?page={page}")
            assert sara.status == 200 and "فاطمة أحمد" in sara.text  # the first page
        await sara.get("/console/families?page=١")
        assert sara.status == 200 and "فاطمة أحمد" in sara.text  # Arabic-Indic digits are digits
        await sara.get("/console/families/1")
        token = sara.form_token()
        for seen in ("²", "9" * 5000):
            form = {"csrf": token, "change": "correction", "reason": "الاسم ناقص", "seen": seen}
            await sara.post("/console/families/1/verification", form)
            assert sara.status == 303
        await sara.post(
            "/console/families/verify", {"csrf": token, "family": "²", "back": "/console/families"}
        )
        assert sara.status == 303 and sara.location == "/console/families?verified_now=0"
    assert await verification(database, 1) is Verification.CORRECTION
