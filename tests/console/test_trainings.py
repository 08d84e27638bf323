"""Trainings in the console: one created for some of an office's families, its answers and waiting list,
changed (a place more: the first waiting is told), attendance ticked by name, a walk-in found by name and a
file of who came checked line by line, those who came thanked; a typo refused beside its field; another
office's refused on every page. In Chromium, and with a plain HTTP client for the refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.service import Service
from core.dates import RIYADH
from core.domain import StaffRole
from office import event_notices, events
from office.rights import OPERATOR
from storage import events as event_store
from storage.db import Database
from storage.models import Delivery, Event
from tests.support.builders import add_staff, national_id, register_families
from tests.support.console import (
    FAMILIES,
    Visitor,
    browser_page,
    console_server,
    screenshot,
    signed_in,
    visitor,
)
from tests.support.people import Clock

# Makkah's families: 1 and 3 make cooked meals, 2 sews (`builders.register_families`).
FATIMA, NOURA, FATIMAH = 1, 2, 3


@pytest.fixture
async def console(database_url: str, database: Database, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "maryam", office="jumum")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    await register_families(database, clock, FAMILIES, verified=3)
    async with console_server(database_url, clock) as service:
        yield service


def day_after_tomorrow(clock: Clock, hour: int) -> str:
    """A time as a datetime-local field takes it, in Riyadh."""
    moment = (clock.now + timedelta(days=2)).astimezone(RIYADH).replace(hour=hour, minute=0)
    return moment.strftime("%Y-%m-%dT%H:%M")


async def kinds_told(database: Database, family: int) -> list[str]:
    query = select(Delivery.kind).where(Delivery.beneficiary_id == family).order_by(Delivery.id)
    return await database.run(lambda s: list(s.scalars(query)))


async def test_sara_runs_a_training_from_creating_it_to_attendance_and_thanks(
    console: Service, database: Database, clock: Clock, tmp_path: Path
) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "sara")
        await page.click("nav >> text=الفعاليات التدريبية")
        await page.click("text=فعالية تدريبية جديدة")
        await page.fill("input[name=title_ar]", "سلامة الغذاء في المطبخ المنزلي")
        await page.fill("input[name=starts_at]", day_after_tomorrow(clock, 9))
        await page.fill("input[name=ends_at]", day_after_tomorrow(clock, 8))  # a typo: it ends before
        await page.fill("input[name=venue_ar]", "مركز التدريب، العزيزية، مكة")
        await page.fill("input[name=capacity]", "1")
        await page.check("input[name=product][value=cooked_meals]")  # Fatima and Fatimah, not Noura
        await page.click("button:has-text('حفظ')")
        beside = page.locator("label:has(input[name=ends_at]) .field-problem")
        assert "يجب أن تنتهي بعد أن تبدأ" in await beside.inner_text()
        await screenshot(page, "training-form-ar")
        assert await database.run(lambda s: event_store.find(s, 1)) is None  # nothing saved
        assert await page.input_value("input[name=title_ar]") == "سلامة الغذاء في المطبخ المنزلي"  # kept
        await page.fill("input[name=ends_at]", day_after_tomorrow(clock, 12))
        await page.click("button:has-text('حفظ')")
        await page.wait_for_url("**/console/trainings/1")
        assert "حُفظ" in await page.locator("[role=status]").inner_text()
        await screenshot(page, "training-created-ar")

        # The scheduler invites them; Fatima says she is going and takes the one place; Fatimah waits.
        def answered(session: Session) -> None:
            event_notices.invite_due(session, clock.now)
            events.answer_invitation(session, FATIMA, 1, True, clock.now)
            events.answer_invitation(session, FATIMAH, 1, True, clock.now)

        await database.run(answered)
        await page.reload()
        assert (await page.locator("ol.waiting li").all_inner_texts())[0].startswith("فاطمه علي الحربي")

        await page.click("text=تعديلها")
        await page.fill("input[name=capacity]", "2")
        await page.click("button:has-text('حفظ')")
        await page.wait_for_url("**/console/trainings/1")
        assert "أخذت أول من في قائمة الانتظار مكانًا" in await page.locator("[role=status]").inner_text()
        assert await page.locator("ol.waiting").count() == 0  # the place went to Fatimah
        assert "event_promoted" in await kinds_told(database, FATIMAH)

        clock.now += timedelta(days=2, hours=6)  # it has started: she signs in again on the day
        await signed_in(page, "sara")
        await page.goto("/console/trainings/1")
        await page.check(f"input[name=came][value='{FATIMA}']")
        await page.click("button:has-text('حفظ الحضور')")
        assert "تغيّرت علامة واحدة" in await page.locator("[role=status]").inner_text()

        await page.fill("input[name=q]", "فاطمة")  # both Fatimas are invited: marked from here too
        await page.click("button:has-text('ابحثي عنها')")
        assert "من المدعوات" in await page.locator("#walk-in").inner_text()
        assert await page.locator("#walk-in ul.walk-ins button").count() == 1  # Fatima is marked already
        assert "سُجّل حضورها من قبل" in await page.locator("#walk-in").inner_text()
        await screenshot(page, "training-search-guests-ar")
        await page.fill("input[name=q]", "نورة")  # a walk-in: she makes no cooked meals, so was not invited
        await page.click("button:has-text('ابحثي عنها')")
        await page.click(f"button[aria-label='{FAMILIES[1][0]} حضرت']")
        assert "تغيّرت علامة واحدة" in await page.locator("[role=status]").inner_text()

        came = tmp_path / "came.csv"
        came.write_text(f"رقم الهوية\n{national_id(FATIMAH)}\n0550000000\n", encoding="utf-8")
        await page.set_input_files("input[type=file]", str(came))
        await page.click("button:has-text('افحصي الملف')")
        assert await page.locator("table.file-lines tr.bad").count() == 1  # nobody has that mobile
        came.write_text(f"رقم الهوية\n{national_id(FATIMAH)}\n{national_id(FATIMA)}\n", encoding="utf-8")
        await page.set_input_files("input[type=file]", str(came))
        await page.click("button:has-text('افحصي الملف')")
        lines = await page.locator("table.file-lines tbody tr").all_inner_texts()
        assert "سيُسجَّل حضورها" in lines[0] and "سُجّل حضورها من قبل" in lines[1]
        await screenshot(page, "training-file-ar")
        await page.click("button:has-text('سجّلي حضور الأسرة')")
        tally = await database.run(lambda s: event_store.tally(s, 1))
        assert tally["attended"] == 3

        await page.click("button:has-text('اشكري')")
        dialog = page.locator("[role=alertdialog]")
        assert "3" in await dialog.locator("h2").inner_text()
        await dialog.locator("button.primary").click()
        assert "3" in await page.locator("[role=status]").inner_text()
        tallies = await page.locator("#answers + .measures .hint").all_inner_texts()  # counts: plural
        assert "سيحضرن" in tallies and "حضرن" in tallies and "حضرت" not in tallies
        await screenshot(page, "training-ar")
        await page.set_viewport_size({"width": 390, "height": 844})
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        await screenshot(page, "training-phone-ar")
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.click("header >> text=English")
        assert await page.locator("h2#guests-title").inner_text() == "Guests and attendance"
        await screenshot(page, "training-en")
    for family in (FATIMA, NOURA, FATIMAH):
        assert "event_thanks" in await kinds_told(database, family)


async def test_another_offices_staff_cannot_open_change_mark_or_thank_it(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/trainings/new")
        form = {
            "csrf": sara.form_token(),
            "title_ar": "ورشة التغليف",
            "starts_at": day_after_tomorrow(clock, 9),
            "ends_at": day_after_tomorrow(clock, 11),
            "venue_ar": "المكتب",
            "invite": "now",
        }
        await sara.post("/console/trainings", form)
        assert sara.status == 303
    clock.now += timedelta(days=2, hours=3)  # started: attendance may be marked
    async with visitor(console) as maryam:
        await maryam.signs_in("maryam")
        for page in (
            "/console/trainings/1",
            "/console/trainings/1/change",
            "/console/trainings/1/calendar.ics",
        ):
            await maryam.get(page)
            assert maryam.status == 404, page
        await maryam.get("/console/trainings")
        assert "ورشة التغليف" not in maryam.text
        token = maryam.form_token()
        for action, form in (
            ("change", {"title_ar": "x", "starts_at": day_after_tomorrow(clock, 9)}),
            ("cancel", {"confirmed": "yes"}),
            ("attendance", {"came": str(FATIMA)}),
            ("walk-ins", {"q": "فاطمة"}),
            ("thank", {"confirmed": "yes"}),
            ("guests", {}),
        ):
            await maryam.post(f"/console/trainings/1/{action}", {"csrf": token, **form})
            assert maryam.status == 404, action
        await maryam.post(  # an event for another office is not hers to create
            "/console/trainings",
            [("csrf", token), ("title_ar", "x"), ("office", "makkah"), ("venue_ar", "x"), ("invite", "now"),
             ("starts_at", day_after_tomorrow(clock, 20)), ("ends_at", day_after_tomorrow(clock, 21))],
        )  # fmt: skip
        assert maryam.status == 403
    event = await database.run(lambda s: s.get(Event, 1))
    assert event is not None and event.title_ar == "ورشة التغليف" and event.cancelled_at is None
    assert await database.run(lambda s: s.scalar(select(Event.id).where(Event.id == 2))) is None
    assert (await database.run(lambda s: event_store.tally(s, 1)))["attended"] == 0


async def test_an_admin_makes_one_for_two_offices_each_offices_staff_follow_their_part_only_admins_change_it(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        await noura.get("/console/trainings/new")
        form = [("csrf", noura.form_token()), ("title_ar", "ملتقى المكاتب"), ("venue_ar", "قاعة الغرفة"),
                ("starts_at", day_after_tomorrow(clock, 9)), ("ends_at", day_after_tomorrow(clock, 13)),
                ("office", "makkah"), ("office", "jumum"), ("invite", "now")]  # fmt: skip
        await noura.post("/console/trainings", form)
        assert noura.status == 303
        await noura.get("/console/trainings")
        assert "مكة المكرمة، الجموم" in noura.text  # the offices it is for, in the admins' list
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    async with visitor(console) as maryam:
        await maryam.signs_in("maryam")
        await maryam.get("/console/trainings/1")
        assert maryam.status == 200 and "مريم خالد العتيبي" in maryam.text  # Al-Jumum's one family
        assert "فاطمة أحمد الزهراني" not in maryam.text  # Makkah's are not hers to see
        assert "/console/trainings/1/change" not in maryam.text  # two offices': the admins' to change
        await maryam.post("/console/trainings/1/change", {"csrf": maryam.form_token(), "title_ar": "x",
                          "venue_ar": "x", "starts_at": day_after_tomorrow(clock, 9),
                          "ends_at": day_after_tomorrow(clock, 10)})  # fmt: skip
        assert maryam.status == 403
    event = await database.run(lambda s: s.get(Event, 1))
    assert event is not None and event.title_ar == "ملتقى المكاتب"


async def sara_makes_a_training(sara: Visitor, clock: Clock, **changes: str) -> None:
    """Sara's training for Makkah's cooked-meal makers (Fatima and Fatimah), two days ahead."""
    await sara.get("/console/trainings/new")
    form = {
        "csrf": sara.form_token(),
        "title_ar": "سلامة الغذاء",
        "title_en": "Food safety",
        "starts_at": day_after_tomorrow(clock, 9),
        "ends_at": day_after_tomorrow(clock, 12),
        "venue_ar": "مركز التدريب",
        "capacity": "3",
        "product": "cooked_meals",
        "invite": "now",
    }
    await sara.post("/console/trainings", form | changes)
    assert sara.status == 303, sara.text


async def test_a_change_keeps_the_english_title_says_every_mistake_at_once_and_who_keeps_a_place(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara_makes_a_training(sara, clock)

        def both_going(session: Session) -> None:
            event_notices.invite_due(session, clock.now)
            for family in (FATIMA, FATIMAH):
                events.answer_invitation(session, family, 1, True, clock.now)

        await database.run(both_going)
        await sara.get("/console/trainings/1/change")
        form = {"csrf": sara.form_token()}
        mistakes = {"title_ar": "سلامة الغذاء", "title_en": "Food safety", "venue_ar": " ",
                    "starts_at": day_after_tomorrow(clock, 9), "ends_at": day_after_tomorrow(clock, 8),
                    "capacity": "أربعون", "map_url": "maps.google.com"}  # fmt: skip
        await sara.post("/console/trainings/1/change", form | mistakes)
        assert sara.status == 400
        beside = sara.text.count('class="field-problem"')
        assert beside == 4  # places, venue, end and map link, all at once
        await sara.post(
            "/console/trainings/1/change",
            form | mistakes | {"title_ar": "سلامة الغذاء في المنزل", "venue_ar": "مركز التدريب",
                               "ends_at": day_after_tomorrow(clock, 12), "capacity": "1", "map_url": ""},
        )  # fmt: skip
        assert sara.status == 303
        await sara.get("/console/trainings/1")
        assert "قالتا إنهما ستحضران" in sara.text  # fewer places than going: both keep theirs
    event = await database.run(lambda s: s.get(Event, 1))
    assert (
        event is not None and event.title_ar == "سلامة الغذاء في المنزل" and event.title_en == "Food safety"
    )
    assert event.capacity == 1


async def test_a_file_of_who_came_takes_a_walk_in_counts_a_repeat_once_and_shows_what_a_bad_line_says(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara_makes_a_training(sara, clock)
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    clock.now += timedelta(days=2, hours=1)  # it has started
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/trainings/1")
        came = f"{national_id(FATIMA)}\n{national_id(NOURA)}\n{national_id(FATIMA)}\n12345\n"
        await sara.send_file("/console/trainings/1/attendance-file", "came.csv", came.encode())
        assert sara.status == 400  # line 4 is neither an ID nor a mobile: nothing to confirm
        assert "12345" in sara.text and "ليس رقم هوية (10 أرقام) ولا رقم جوال" in sara.text
        assert "حضرت دون دعوة: سيُسجَّل حضورها" in sara.text  # Noura, who was not invited
        assert "الأسرة نفسها في السطر 1: تُحسب مرة واحدة" in sara.text
        assert 'name="came"' not in sara.text.split('id="file"')[1]
        await sara.send_file(
            "/console/trainings/1/attendance-file", "came.csv", came.rsplit("12345", 1)[0].encode()
        )
        assert sara.status == 200
        ticked = sara.text.split('id="file"')[1]
        await sara.post("/console/trainings/1/attendance", [("csrf", sara.form_token())] + [
            ("came", value) for value in Visitor(sara.base, sara.http, text=ticked).form_values("came")
        ])  # fmt: skip
        assert sara.status == 303
        await sara.get("/console/trainings/1/walk-ins")  # the page after a search, reloaded
        assert sara.status == 303 and sara.location.endswith("/console/trainings/1")
        await sara.get("/console/trainings")
        going, attended = (sara.text.split('<td class="number')[i] for i in (1, 3))
        assert ">0<" in going and ">2<" in attended  # the walk-in came, but never said she would
    tally = await database.run(lambda s: event_store.tally(s, 1))
    assert tally["attended"] == 2


async def test_thanking_twice_thanks_nobody_new_and_a_cancelled_training_stays_listed(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara_makes_a_training(sara, clock)
        await sara_makes_a_training(sara, clock, title_ar="ورشة التغليف")
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    clock.now += timedelta(days=2, hours=1)
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/trainings/1")
        await sara.post("/console/trainings/1/attendance", {"csrf": sara.form_token(), "came": str(FATIMA)})
        await sara.get("/console/trainings/1")
        for _ in range(2):
            await sara.post("/console/trainings/1/thank", {"csrf": sara.form_token(), "confirmed": "yes"})
            await sara.get(sara.location)
        assert "لا أحد جديد لشكره" in sara.text
    assert (await kinds_told(database, FATIMA)).count("event_thanks") == 1
    await database.run(lambda s: events.cancel(s, OPERATOR, 2, clock.now - timedelta(days=1, hours=12)))
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/trainings")
        assert "ورشة التغليف" in sara.text.split("</table>")[0]  # cancelled, and still there to open
        await sara.get("/console/trainings/2")
        assert "أُلغيت" in sara.text and "إذا خلا مكان" not in sara.text


async def test_the_guests_come_a_page_at_a_time_and_a_guest_on_the_next_page_is_ticked_there(
    console: Service, database: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "GUESTS_A_PAGE", 1)  # Fatima and Fatimah: one page each
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara_makes_a_training(sara, clock)

    def fatimah_going(session: Session) -> None:
        event_notices.invite_due(session, clock.now)
        events.answer_invitation(session, FATIMAH, 1, True, clock.now)

    await database.run(fatimah_going)
    clock.now += timedelta(days=2, hours=1)  # it has started
    async with browser_page(console) as page:
        await signed_in(page, "sara")
        await page.goto("/console/trainings/1")
        guests = page.locator("table.guests tbody tr")
        assert await guests.count() == 1 and "فاطمه علي الحربي" in await guests.inner_text()  # going: first
        await page.click("nav.pages >> text=التالية")
        assert await guests.count() == 1 and "فاطمة أحمد الزهراني" in await guests.inner_text()
        await page.check(f"input[name=came][value='{FATIMA}']")
        await page.click("button:has-text('حفظ الحضور')")
        assert "تغيّرت علامة واحدة" in await page.locator("[role=status]").inner_text()
        await page.click("nav.pages >> text=الصفحة الأخيرة")
        assert await page.is_checked(f"input[name=came][value='{FATIMA}']")
        await screenshot(page, "training-guests-page-ar")
        await page.set_viewport_size({"width": 390, "height": 844})
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await screenshot(page, "training-guests-page-phone-ar")
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.click("header >> text=English")
        await page.click("nav.pages >> text=Previous")
        assert await guests.count() == 1 and "فاطمه علي الحربي" in await guests.inner_text()
        await screenshot(page, "training-guests-page-en")
        await page.set_viewport_size({"width": 390, "height": 844})
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await screenshot(page, "training-guests-page-phone-en")
    tally = await database.run(lambda s: event_store.tally(s, 1))
    assert tally["attended"] == 1 and tally["going"] == 1
