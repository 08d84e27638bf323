"""School canteens in the console: one published (a typo said beside its field), changed, closed early and
opened again, a family applying and accepted (told); a list of opportunities checked line by line, then
published; an opportunity's applicants, fifty a page; an application's checks of eligibility; a decision
confirmed first and told to her; another office's refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.service import Service
from core.dates import RIYADH
from office import canteens
from office.rights import OPERATOR
from storage import canteens as canteen_store
from storage.canteens import Applied
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
    async with visitor(console) as sara:  # her own: the file is named by its school
        await sara.signs_in("sara")
        await sara.get("/console/canteens/1")
        file = await sara.post("/console/canteens/1/applicants", {"csrf": sara.form_token()})
        named = sara.headers["Content-Disposition"]
        assert (
            'filename="applicants-1.csv"' in named and quote("applicants-1 ابتدائية مكة الأولى.csv") in named
        )
        assert "فاطمة أحمد الزهراني" in file
    async with visitor(console) as maryam:
        await maryam.signs_in("maryam")
        await maryam.get("/console/canteens/1")
        assert maryam.status == 404
        await maryam.get("/console/canteens/applications/1")
        assert maryam.status == 404
        form = {"csrf": maryam.form_token(), "decision": "accepted", "confirmed": "yes", "seen": "applied"}
        await maryam.post("/console/canteens/applications/1", form)
        assert maryam.status == 404
        await maryam.get("/console/canteens/1/change")
        assert maryam.status == 404
        for action in ("change", "close", "reopen"):
            await maryam.post(f"/console/canteens/1/{action}", {"csrf": form["csrf"], "confirmed": "yes"})
            assert maryam.status == 404, action
        await maryam.post(  # publishing for another office
            "/console/canteens",
            {"csrf": form["csrf"], "school": "x", "stage": "primary", "gender": "girls", "district": "x",
             "office": "makkah", "students": "10", "places": "1", "start": "2027-03-01",
             "deadline": "2027-01-01"},
        )  # fmt: skip
        assert maryam.status == 403
    status = await database.run(lambda s: canteen_store.application_by_id(s, 1))
    assert status is not None and status.status == "applied"
    opportunity = await database.run(lambda s: canteen_store.find(s, 1))
    assert opportunity is not None and opportunity.closed_at is None
    assert len(await database.run(lambda s: canteens.listing(s, OPERATOR))) == 1


def day_in(clock: Clock, days: int) -> str:
    """A day as a date field takes it, in Riyadh."""
    return (clock.now + timedelta(days=days)).astimezone(RIYADH).date().isoformat()


async def test_sara_publishes_an_opportunity_changes_closes_and_reopens_it_then_accepts_a_family(
    console: Service, database: Database, clock: Clock
) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "sara")
        await page.click("nav >> text=المقاصف المدرسية")
        await page.click("text=نشر فرصة")
        await page.fill("input[name=school]", "متوسطة العزيزية للبنات")
        await page.select_option("select[name=stage]", "intermediate")
        await page.fill("input[name=district]", "العزيزية")
        await page.fill("input[name=students]", "٤٠٠")  # Arabic-Indic digits, as staff type them
        await page.fill("input[name=places]", "اثنين")  # a typo: words
        await page.fill("input[name=start]", day_in(clock, 40))
        await page.fill("input[name=deadline]", day_in(clock, 10))
        await page.click("button:has-text('نشر')")
        beside = page.locator("label:has(input[name=places]) .field-problem")
        assert await beside.inner_text() == "اكتبي العدد بالأرقام، مثل 120."
        assert await page.input_value("input[name=school]") == "متوسطة العزيزية للبنات"  # kept
        await screenshot(page, "opportunity-form-ar")
        await page.fill("input[name=places]", "2")
        await page.click("button:has-text('نشر')")
        await page.wait_for_url("**/console/canteens/2")
        assert "نُشرت" in await page.locator("[role=status]").inner_text()

        await page.click("text=تعديلها")
        await page.fill("input[name=places]", "3")
        await page.click("button:has-text('حفظ')")
        await page.wait_for_url("**/console/canteens/2")
        opportunity = await database.run(lambda s: canteen_store.find(s, 2))
        assert opportunity is not None and opportunity.places == 3 and opportunity.stage == "intermediate"

        await page.click("button:has-text('إغلاق التقديم الآن')")
        await page.locator("[role=alertdialog] button.primary").click()
        assert "أُغلق التقديم" in await page.locator("[role=status]").inner_text()
        assert await database.run(lambda s: canteen_store.apply(s, 2, 3, clock.now)) == Applied.CLOSED
        await page.click("button:has-text('إعادة فتح التقديم')")
        assert "فُتح التقديم من جديد" in await page.locator("[role=status]").inner_text()
        assert await database.run(lambda s: canteen_store.apply(s, 2, 3, clock.now)) == Applied.APPLIED

        await page.reload()
        await page.click("tbody >> text=فاطمه علي الحربي")
        await page.click("button[value=accepted]")
        await page.locator("[role=alertdialog] button.primary").click()
        assert "حُفظ" in await page.locator("[role=status]").inner_text()
    assert "canteen_accepted" in await database.run(
        lambda s: s.scalars(select(Delivery.kind).where(Delivery.beneficiary_id == 3)).all()
    )


LIST = """school,stage,gender,district,office,students,start,deadline,places,الشروط
ابتدائية النسيم,المرحلة الابتدائية,بنات,النسيم,مكة المكرمة,300,{start},{deadline},2,
متوسطة الشوقية,متوسطة,بنين,الشوقية,makkah,500,{start},{deadline},1,شهادة صحية
"""


async def test_a_list_of_opportunities_is_checked_line_by_line_then_published(
    console: Service, database: Database, clock: Clock, tmp_path: Path
) -> None:
    bad = tmp_path / "schools.csv"
    bad.write_text(LIST.format(start=day_in(clock, 40), deadline=day_in(clock, 50)), encoding="utf-8")
    async with browser_page(console) as page:
        await signed_in(page, "sara")
        await page.goto("/console/canteens")
        await page.set_input_files("#import input[type=file]", str(bad))
        await page.click("#import button:has-text('فحص القائمة')")
        await page.locator("table.bad-lines").wait_for()
        assert await page.locator("table.bad-lines tbody tr").count() == 2  # they close after the start
        await screenshot(page, "canteens-bad-list-ar")
        good = tmp_path / "schools-fixed.csv"
        good.write_text(LIST.format(start=day_in(clock, 40), deadline=day_in(clock, 20)), encoding="utf-8")
        await page.set_input_files("#import input[type=file]", str(good))
        await page.click("#import button:has-text('فحص القائمة')")
        await page.locator("table.to-publish").wait_for()
        assert await page.locator("table.to-publish tbody tr").count() == 2
        assert len(await database.run(lambda s: canteens.listing(s, OPERATOR))) == 1  # nothing published yet
        await screenshot(page, "canteens-list-checked-ar")
        await page.click("#import button.primary")
        assert "نُشرت فرصتان" in await page.locator("[role=status]").inner_text()
        await page.set_input_files("#import input[type=file]", str(good))  # the same list again
        await page.click("#import button:has-text('فحص القائمة')")
        await page.locator("table.bad-lines").wait_for()
        lines = await page.locator("table.bad-lines tbody tr").all_inner_texts()
        assert len(lines) == 2 and all("منشورة من قبل" in line for line in lines), lines
    assert len(await database.run(lambda s: canteens.listing(s, OPERATOR))) == 3


async def test_a_form_with_several_mistakes_says_each_beside_its_field_and_publishes_nothing(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/canteens/new")
        form = {"csrf": sara.form_token(), "school": " ", "stage": "", "gender": "girls", "district": "الحي",
                "office": "makkah", "students": "٤٠٠", "places": "اثنين", "start": day_in(clock, 10),
                "deadline": day_in(clock, 20)}  # fmt: skip
        await sara.post("/console/canteens", form)
        assert sara.status == 400
        beside = re.findall(r'class="field-problem" role="alert">([^<]*)<', sara.text)
        assert beside == [
            "اكتبي اسم المدرسة.",
            "إحدى المراحل: روضة أطفال أو مدرسة ابتدائية أو مدرسة متوسطة أو مدرسة ثانوية",
            "اكتبي العدد بالأرقام، مثل 120.",
            "يجب أن يُغلق التقديم قبل بدء المقصف (" + beside[3].split("(", 1)[1],
        ]  # every mistake at once, in her words
    assert len(await database.run(lambda s: canteens.listing(s, OPERATOR))) == 1
