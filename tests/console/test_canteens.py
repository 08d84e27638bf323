"""School canteens in the console: an opportunity's applicants, fifty a page; an application's checks of
eligibility; a decision confirmed first and told to her; another office's refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.service import Service
from office import canteens
from office.rights import OPERATOR
from storage import canteens as canteen_store
from storage.db import Database
from storage.models import Delivery
from tests.support.builders import add_staff, girls_school, register_families
from tests.support.console import FAMILIES, browser_page, console_server, screenshot, signed_in, visitor
from tests.support.people import Clock


@pytest.fixture
async def console(database_url: str, database: Database, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "maryam", office="jumum")
    await register_families(database, clock, FAMILIES, verified=3)
    deadline = clock.now + timedelta(days=20)

    def published(session: Session) -> None:
        school = girls_school("ابتدائية مكة الأولى", deadline)
        opportunity = canteens.publish(session, OPERATOR, school, clock.now)
        for family in (1, 2, 3):  # Makkah's three
            canteen_store.apply(session, opportunity.id, family, clock.now)
        canteen_store.withdraw(session, opportunity.id, 3, clock.now)

    await database.run(published)
    async with console_server(database_url, clock) as service:
        yield service


async def test_sara_opens_an_opportunity_reads_her_checks_and_accepts_her_she_is_told(
    console: Service, database: Database
) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "sara")
        await page.click("nav >> text=المقاصف المدرسية")
        await page.click("text=ابتدائية مكة الأولى")
        assert "الطلبات: 2" in await page.locator("main").inner_text()  # the withdrawn one counted apart
        assert await page.locator("tbody tr").count() == 2
        await screenshot(page, "opportunity-ar")
        await page.click("tbody >> text=فاطمة أحمد الزهراني")
        checks = await page.locator(".checks-list li").all_inner_texts()
        assert len(checks) == 4 and all(line.startswith(("مستوفى", "غير مستوفى")) for line in checks)
        await page.click("button[value=accepted]")
        dialog = page.locator("[role=alertdialog]")
        assert "ابتدائية" not in await dialog.locator("h2").inner_text()  # her name, the decision
        await screenshot(page, "application-confirm-ar")
        await dialog.locator("button.primary").click()
        assert "حُفظ" in await page.locator("[role=status]").inner_text()
        await screenshot(page, "application-ar")
    told = await database.run(
        lambda s: s.scalars(select(Delivery.kind).where(Delivery.beneficiary_id == 1)).all()
    )
    assert "canteen_accepted" in told


async def test_another_offices_staff_cannot_open_or_decide_it(console: Service, database: Database) -> None:
    async with visitor(console) as maryam:
        await maryam.signs_in("maryam")
        await maryam.get("/console/canteens/1")
        assert maryam.status == 404
        await maryam.get("/console/canteens/applications/1")
        assert maryam.status == 404
        form = {"csrf": maryam.form_token(), "decision": "accepted", "confirmed": "yes", "seen": "applied"}
        await maryam.post("/console/canteens/applications/1", form)
        assert maryam.status == 404
    status = await database.run(lambda s: canteen_store.application_by_id(s, 1))
    assert status is not None and status.status == "applied"
