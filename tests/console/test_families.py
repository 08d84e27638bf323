"""The families pages over HTTP: rights decided by the office actions (another office's family is not found,
and nothing changes), and an action taken on a page that is out of date refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.orm import Session

from bot.service import Service
from core.domain import StaffRole, Verification
from office import offices, registrations
from office.rights import OPERATOR
from storage import audit, beneficiaries, staff
from storage.db import Database
from storage.models import StaffMember
from tests.support.builders import add_staff, many_families_on_telegram, register_families
from tests.support.console import console_server, visitor
from tests.support.people import Clock


@pytest.fixture
async def console(database: Database, database_url: str, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await register_families(database, clock, [("فاطمة أحمد", "makkah"), ("مريم خالد", "jumum")])
    async with console_server(database_url, clock) as service:
        yield service


def staff_row(session: Session, login: str) -> StaffMember | None:
    """Her row, if she is still a staff member."""
    found = staff.by_login(session, login)
    return found if found is not None and found.removed_at is None else None


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
        assert sara.status == 400 and sara.alert().startswith("لم يتغير شيء: عدّلت موظفة أخرى تسجيلها")
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


async def test_a_page_link_from_a_family_no_longer_in_the_list_says_so_on_the_first_page(
    console: Service, database: Database
) -> None:
    """A link to the page after a family deleted since (or another office's, whom she may not see) opens the
    first page, and says why: she is not left thinking she is further down the list."""
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        for place in ("after=999999999", "before=999999999", "after=2"):
            await sara.get(f"/console/families?{place}")
            assert sara.status == 200 and "فاطمة أحمد" in sara.text  # the first page
            assert "تغيّرت القائمة منذ فُتحت تلك الصفحة" in sara.text
        await sara.get("/console/families")
        assert "تغيّرت القائمة" not in sara.text  # the first page asked for is just the first page


async def test_numbers_in_other_digits_or_too_long_are_ignored_not_a_fault(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        # ² is a digit to Python, but no number; family 2 is another office's: no place to start from
        for place in ("after=²", "before=" + "1" * 5000, "after=999999999", "after=2", "page=7"):
            await sara.get(f"/console/families?{place}")
            assert sara.status == 200 and "فاطمة أحمد" in sara.text  # the first page
        await sara.get("/console/families?before=١")
        assert sara.status == 200 and "فاطمة أحمد" in sara.text  # Arabic-Indic digits are digits
        await sara.get("/console/families/1")
        token = sara.form_token()
        for seen in ("²", "9" * 5000):
            form = {"csrf": token, "change": "correction", "reason": "الاسم ناقص", "seen": seen}
            await sara.post("/console/families/1/verification", form)
            assert sara.status == 303
        await sara.post(
            "/console/families/verify",
            {"csrf": token, "family": "²", "back": "/console/families", "do": "verified", "confirmed": "yes"},
        )
        assert sara.status == 303 and sara.location == "/console/families"
        await sara.get(sara.location)
        assert sara.alert() == "لم تُعلَّم أي أسرة: علّمي الأسر أولًا، أو اختاري الصفحة كلها."  # "²" is none
    assert await verification(database, 1) is Verification.CORRECTION


async def test_in_english_a_refusal_and_the_history_read_in_english(
    console: Service, database: Database, clock: Clock
) -> None:
    await database.run(lambda s: registrations.verify(s, OPERATOR, 1, clock.now))  # from the command line
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        assert "<td>مشغّلة النظام</td>" in await sara.get("/console/families/1")  # who verified her
        listed = await sara.get("/console/families")  # the channel named as the inbox names it
        assert '<option value="telegram" >تيليجرام</option>' in listed and ">واتساب</option>" in listed
        await sara.post("/console/language", {"csrf": sara.form_token(), "language": "en"})
        assert "<td>the operator</td>" in await sara.get("/console/families/1")
        listed = await sara.get("/console/families")
        assert '<option value="telegram" >Telegram</option>' in listed and ">WhatsApp</option>" in listed
        await sara.post(
            "/console/families/1/verification", {"csrf": sara.form_token(), "change": "unverified"}
        )
        assert (
            sara.status == 400
            and sara.alert() == "Please give the reason: it is kept in the log; she is not told."
        )
        await sara.post(
            "/console/families/1/verification", {"csrf": sara.form_token(), "change": "correction"}
        )
        assert sara.status == 400 and sara.alert() == "Please give the reason: she reads it."
        await sara.get("/console/families?q=12345")
        assert sara.alert().startswith("Search for a name, the last 4 digits of an ID")
    assert await verification(database, 1) is Verification.VERIFIED


async def test_an_actions_address_opened_again_shows_her_page_and_does_nothing(
    console: Service, database: Database
) -> None:
    """After showing an ID or a refused change the address bar holds the action's address: Back, a reload
    with Enter, a new tab or another language opens her page again."""
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        for action in ("reveal", "verification"):
            await sara.get(f"/console/families/1/{action}")
            assert (sara.status, sara.location) == (303, "/console/families/1")
        await sara.get("/console/families/1")
        await sara.post(
            "/console/language",
            {"csrf": sara.form_token(), "language": "en", "back": "/console/families/1/reveal"},
        )
        await sara.get(sara.location)
        assert (sara.status, sara.location) == (303, "/console/families/1")
        await sara.get("/console/families/1/nothing")
        assert sara.status == 404 and sara.alert() == "There is no such page in the console."
    lines = await database.run(lambda s: list(audit.lines(s, target=("family", 1))))
    assert lines == []  # nothing shown, nothing changed


async def test_a_form_of_an_ended_session_is_refused_on_a_page_in_her_language(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/families/1")
        await sara.post("/console/language", {"csrf": sara.form_token(), "language": "en"})
        await sara.get("/console/families/1")
        stale = sara.form_token()
        await sara.post("/console/logout", {"csrf": stale})
        assert "Sign in to the office console" in await sara.get("/console/login")  # as she chose
        await sara.signs_in("sara")  # in another tab, say: a new session, a new token
        await sara.post("/console/families/1/verification", {"csrf": stale, "change": "verified"})
        assert sara.status == 403
        assert sara.alert() == "This form has expired. Go back, reload the page and try again."
        assert "Back to the families" in sara.text
    assert await verification(database, 1) is Verification.WAITING


async def test_past_the_last_page_the_last_page_is_shown(
    database: Database, database_url: str, clock: Clock
) -> None:
    """She verified every family of the last page of those not verified: she is sent back to that page,
    which is now past the end; she sees the last page there is."""
    await add_staff(database, clock, "sara", office="makkah")
    families = await register_families(database, clock, [(f"أسرة رقم {n}", "makkah") for n in range(51)])
    async with console_server(database_url, clock) as service, visitor(service) as sara:
        await sara.signs_in("sara")
        first = await sara.get("/console/families?verified=no")
        assert "من 1 إلى 50 من أصل 51 أسرة" in first and first.count('name="family"') == 50
        assert "السابقة" not in first
        second = _link(first, "التالية")  # after the 50th, newest first; the 51st is where it starts
        assert second == f"/console/families?verified=no&after={families[1]}&from=51"
        page = await sara.get(second)
        assert (
            page.count('name="family"') == 1 and "التالية" not in page and "الأسرة 51 من أصل 51 أسرة" in page
        )
        assert _link(page, "السابقة") == f"/console/families?verified=no&before={families[0]}&from=1"
        assert "الأسرة 51 من أصل 51" in await sara.get(second.replace("from=51", "from=900"))  # the last
        await sara.post(
            "/console/families/verify",
            {
                "csrf": sara.form_token(),
                "family": str(families[0]),
                "back": second,
                "do": "verified",
                "confirmed": "yes",
            },
        )
        page = await sara.get(sara.location)
        assert "تم توثيق أسرة واحدة" in page
        assert page.count('name="family"') == 50 and "50 أسرة" in page and "التالية" not in page
        assert "من 1 إلى" not in page  # one page: how many, no range


async def test_past_the_first_page_of_more_than_1000_the_list_says_where_she_is(
    database: Database, database_url: str, clock: Clock
) -> None:
    """1,060 families: counted up to 1,000, so where a page stands is carried by the link that opened it;
    the last page says it is the last, and a page reached back from it says only how many. "More than
    1,000" is said one way, of the list and of those waiting, in Arabic and in English."""
    await add_staff(database, clock, "sara", office="makkah")
    await many_families_on_telegram(database, clock, 1_060)
    async with console_server(database_url, clock) as service, visitor(service) as sara:
        await sara.signs_in("sara")
        page = await sara.get("/console/families")
        assert "من 1 إلى 50 من أصل أكثر من ألف أسرة" in page
        assert "أكثر من ألف أسرة تنتظر التوثيق" in page and "أو أكثر" not in page
        for shown in ("من 51 إلى 100", "من 101 إلى 150"):
            page = await sara.get(_link(page, "التالية"))
            assert f"{shown} من أصل أكثر من ألف أسرة" in page
        page = await sara.get(_link(page, "السابقة"))
        assert "من 51 إلى 100 من أصل أكثر من ألف أسرة" in page
        page = await sara.get(_link(page, "الصفحة الأخيرة"))
        assert "الصفحة الأخيرة من أكثر من ألف أسرة" in page and page.count('name="family"') == 50
        page = await sara.get(_link(page, "السابقة"))  # where it stands from the start is not known
        assert "أكثر من ألف أسرة" in page and "من أصل" not in page and "الصفحة الأخيرة من" not in page

        await sara.post("/console/language", {"csrf": sara.form_token(), "language": "en"})
        page = await sara.get(_link(await sara.get("/console/families"), "Next"))
        assert "51–100 of more than 1,000 families" in page
        assert "More than 1,000 families are waiting for verification" in page and "or more" not in page


async def test_the_families_waiting_are_offered_on_the_plain_list_not_on_a_search(console: Service) -> None:
    """The banner of those waiting for verification is where she opens the list, not over what she searched
    or filtered for (those are the families she asked for: the banner would push them down)."""
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        assert "waiting-now" in await sara.get("/console/families")
        assert "waiting-now" in await sara.get("/console/families?order=name")  # sorted: still the list
        for asked in ("q=فاطمة", "canteen=yes", "verified=yes", "q=فاطمة&reach=reached"):
            page = await sara.get(f"/console/families?{asked}")
            assert sara.status == 200 and "waiting-now" not in page, asked


async def test_a_list_that_finds_nothing_says_what_found_nothing(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        found = {
            "q=زينب": "لا توجد أسرة مسجلة تطابق البحث.",
            "channel=whatsapp": "لا توجد أسرة مسجلة تطابق عوامل التصفية هذه.",
            "q=زينب&channel=whatsapp": "لا توجد أسرة مسجلة تطابق البحث وعوامل التصفية هذه.",
        }
        for asked, said in found.items():
            assert said in await sara.get(f"/console/families?{asked}"), asked
        await sara.post("/console/language", {"csrf": sara.form_token(), "language": "en"})
        page = await sara.get("/console/families?channel=whatsapp")
        assert "No registered family matches these filters." in page
    await add_staff(database, clock, "huda", office="jeddah")
    async with visitor(console) as huda:
        await huda.signs_in("huda")
        assert "لم تسجّل أي أسرة بعد." in await huda.get("/console/families")  # nothing searched or filtered


def _link(page: str, named: str) -> str:
    """The address of the page's link named so (as the browser follows it: its &amp; read as &)."""
    address = page.split(f">{named}</a>", 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    return "/console/families" + address.replace("&amp;", "&")


async def test_a_name_is_found_with_or_without_the_space_after_abd(
    database: Database, database_url: str, clock: Clock
) -> None:
    await add_staff(database, clock, "sara", office="makkah")
    await register_families(database, clock, [("هند عبدالله السلمي", "makkah"), ("منى عبد الرحمن", "makkah")])
    async with console_server(database_url, clock) as service, visitor(service) as sara:
        await sara.signs_in("sara")
        assert "هند عبدالله السلمي" in await sara.get("/console/families?q=عبد+الله")
        assert "منى عبد الرحمن" in await sara.get("/console/families?q=عبدالرحمن")
        assert "منى عبد الرحمن" not in await sara.get("/console/families?q=عبد+الله")


async def test_her_page_leads_back_to_the_list_as_she_left_it(console: Service) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        listed = await sara.get("/console/families?q=فاطمة&verified=no")
        link = listed.split('href="/console/families/1?back=', 1)[1].split('"', 1)[0]
        page = await sara.get(f"/console/families/1?back={link}")
        assert 'href="/console/families?q=' in page and "0500000001" in page  # her mobile as staff write it
        elsewhere = await sara.get("/console/families/1?back=/console/staff")
        assert '<a href="/console/families">' in elsewhere  # only back to a list of families


async def test_the_families_asked_to_correct_are_found_apart(
    console: Service, database: Database, clock: Clock
) -> None:
    await database.run(lambda s: registrations.ask_correction(s, OPERATOR, 1, "الاسم ناقص", clock.now))
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        listed = await noura.get("/console/families?verified=correction")
        assert "فاطمة أحمد" in listed and "مريم خالد" not in listed
        listed = await noura.get("/console/families?verified=no")
        assert "فاطمة أحمد" in listed and "مريم خالد" in listed  # not verified: waiting, or asked to correct


async def test_an_admin_makes_an_office_inactive_and_its_staff_cannot(
    console: Service, database: Database, clock: Clock
) -> None:
    await add_staff(database, clock, "noura", StaffRole.ADMIN)
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/families")
        await sara.post("/console/offices/jumum/active", {"csrf": sara.form_token(), "active": "no"})
        assert sara.status == 403
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        await noura.get("/console/offices")
        await noura.post("/console/offices/jumum/active", {"csrf": noura.form_token(), "active": "no"})
        await noura.get(noura.location)
        assert "غير نشط" in noura.text.split('id="jumum"', 1)[1].split("</h2>", 1)[0]
        told = "أصبح غير نشط: لم يعد هذا المكتب يُعرض على الأسر عند التسجيل."
        assert told in noura.text.split('id="jumum"', 1)[1]  # beside the office she changed
        assert told not in await noura.get("/console/offices")  # once
        await noura.post("/console/offices/nowhere/active", {"csrf": noura.form_token(), "active": "no"})
        assert noura.status == 400 and "nowhere" in noura.alert()
    active = await database.run(lambda s: [o.code for o in offices.listing(s) if o.active])
    assert active == ["makkah", "jeddah"]


async def test_sara_verifies_a_whole_page_after_seeing_whom_it_changes_then_takes_one_back(
    database: Database, database_url: str, clock: Clock
) -> None:
    await add_staff(database, clock, "sara", office="makkah")
    names = ["أسرة أولى", "أسرة ثانية", "أسرة ثالثة", "أسرة جدة"]
    families = await register_families(
        database, clock, [(n, "makkah") for n in names[:3]] + [(names[3], "jeddah")]
    )
    async with console_server(database_url, clock) as service, visitor(service) as sara:
        await sara.signs_in("sara")
        page = await sara.get("/console/families")
        assert "3 أسر تنتظر التوثيق" in page
        form = {"csrf": sara.form_token(), "back": "/console/families", "do": "verified-page"}
        listed = [("listed", str(family)) for family in families]  # and another office's, forged in
        await sara.post("/console/families/verify", [*form.items(), *listed, ("family", str(families[0]))])
        assert sara.status == 200 and "توثيق هذه الأسر الـ3؟" in sara.text
        assert all(name in sara.text for name in names[:3]) and names[3] not in sara.text
        assert [await verification(database, family) for family in families] == [Verification.WAITING] * 4

        confirm = [("family", value) for value in sara.form_values("family")]
        assert confirm == [("family", str(family)) for family in families[:3]]
        await sara.post(
            "/console/families/verify",
            [
                ("csrf", sara.form_token()),
                ("back", "/console/families"),
                ("do", "verified"),
                ("confirmed", "yes"),
                *confirm,
            ],
        )
        page = await sara.get(sara.location)
        assert "تم توثيق 3 أسر" in page and "تنتظر التوثيق" not in page
        assert [await verification(database, family) for family in families[:3]] == [
            Verification.VERIFIED
        ] * 3

        form = {"csrf": sara.form_token(), "back": "/console/families", "family": str(families[1])}
        await sara.post("/console/families/verify", {**form, "do": "unverified"})
        assert "إلغاء توثيق هذه الأسرة؟" in sara.text and names[1] in sara.text and names[0] not in sara.text
        await sara.post(
            "/console/families/verify", {**form, "do": "unverified", "confirmed": "yes", "reason": " "}
        )
        assert sara.status == 400 and "السبب" in sara.alert()
        assert await verification(database, families[1]) is Verification.VERIFIED
        await sara.post(
            "/console/families/verify",
            {**form, "do": "unverified", "confirmed": "yes", "reason": "وثقت بالخطأ"},
        )
        assert sara.location == "/console/families"
        told = "أُلغي توثيق أسرة واحدة، ويعود تسجيلها إلى الانتظار."
        assert told in await sara.get(sara.location)
        assert told not in await sara.get("/console/families")  # said once: not again on reloading
        assert told not in await sara.get("/console/families?unverified_now=1")  # nor does an address
    assert await verification(database, families[1]) is Verification.WAITING


async def test_an_admin_filtering_one_office_is_told_how_many_wait_there(
    console: Service, database: Database, clock: Clock
) -> None:
    await add_staff(database, clock, "noura", StaffRole.ADMIN)
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        page = await noura.get("/console/families")
        assert "أسرتان تنتظران التوثيق" in page
        page = await noura.get("/console/families?office=jumum")
        assert "أسرة واحدة تنتظر التوثيق" in page and "office=jumum" in page.split("waiting-now", 1)[1][:200]
        assert "قوائم أسر المكاتب" in await noura.get("/console/lists")  # not "your office"
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        assert "قائمة أسر مكتبك" in await sara.get("/console/lists")


async def test_staff_see_who_is_locked_out_and_confirm_a_removal(
    console: Service, database: Database, clock: Clock
) -> None:
    await add_staff(database, clock, "noura", StaffRole.ADMIN)
    async with visitor(console, "127.0.0.9") as someone:
        for _ in range(5):
            await someone.signs_in("sara", password="not her password")
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        page = await noura.get("/console/staff")
        # A new staff member starts as staff of an office: her role and office are one choice, each valid.
        places = page.split('<select name="place">', 1)[1].split("</select>", 1)[0]
        assert places.lstrip().startswith('<option value="staff/makkah"') and "selected" not in places
        assert places.rstrip().endswith('<option value="admin/" >مسؤولة، لكل المكاتب</option>')
        row = page.split('<span class="ltr">sara</span>', 1)[1].split("</tr>", 1)[0]
        assert "مقفل بعد كلمات مرور خاطئة" in row and 'value="unlocked"' in row
        await noura.post(
            "/console/staff", {"csrf": noura.form_token(), "change": "removed", "member": "sara"}
        )
        assert noura.status == 200 and "إزالة \u2068sara\u2069؟" in noura.text  # asked first: nothing done
        assert await database.run(lambda s: staff_row(s, "sara")) is not None
        await noura.post(
            "/console/staff",
            {"csrf": noura.form_token(), "change": "removed", "member": "sara", "confirmed": "yes"},
        )
        assert noura.status == 303
    assert await database.run(lambda s: staff_row(s, "sara")) is None


async def test_a_staff_member_cannot_open_the_admins_pages_and_a_bad_day_is_said(
    console: Service, database: Database, clock: Clock
) -> None:
    await add_staff(database, clock, "noura", StaffRole.ADMIN)
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        for page in ("/console/content", "/console/staff", "/console/offices", "/console/audit"):
            await sara.get(page)
            assert sara.status == 403, page
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        await noura.get("/console/audit?since=2026-13-45")
        assert noura.status == 400 and "2026-13-45" in noura.alert()


async def test_noura_adds_staff_and_is_told_what_each_still_needs_then_changes_her_own_password(
    console: Service, database: Database, clock: Clock
) -> None:
    await add_staff(database, clock, "noura", StaffRole.ADMIN)
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        await noura.get("/console/staff")
        token = noura.form_token()
        reem = {"csrf": token, "change": "added", "login": "reem", "role": "staff", "office": "makkah"}
        await noura.post("/console/staff", reem)
        assert "أعطيها كلمة مرور في الأسفل" in await noura.get(
            noura.location
        )  # none given: not "the one you gave"
        chat_only = {
            "csrf": token,
            "change": "added",
            "address": "5550001",
            "role": "staff",
            "office": "makkah",
        }
        await noura.post("/console/staff", chat_only)
        assert "تستخدم محادثة فريق المكتب" in await noura.get(noura.location)
        await noura.post("/console/staff", {**reem, "login": "hind", "password": "a long new password"})
        assert "تدخل باسم الدخول وكلمة المرور التي أعطيتِها" in await noura.get(noura.location)
        own = {"csrf": token, "change": "password", "member": "noura", "password": "another long password"}
        await noura.post("/console/staff", own)
        assert noura.location == "/console/login"  # signed out, as everywhere else
        assert "عُيّنت كلمة مرورك الجديدة" in await noura.get(noura.location)
        await noura.signs_in("noura", password="another long password")
        assert noura.status == 303


async def test_a_refused_office_form_says_which_office_at_the_top_and_keeps_what_she_typed(
    console: Service, database: Database, clock: Clock
) -> None:
    await add_staff(database, clock, "noura", StaffRole.ADMIN)
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        await noura.get("/console/offices")
        typed = {
            "csrf": noura.form_token(),
            "phone": "0125550000",
            "address_ar": "حي العوالي",
            "hours": "كل يوم",
        }
        await noura.post("/console/offices/jumum", typed)
        assert noura.status == 400
        assert noura.alert().startswith('<a href="#jumum">الجموم</a>: ')  # the first thing she reads
        assert "ما كتبتِه باقٍ في الأسفل" in noura.alert()
        jumum = noura.text.split('id="jumum"', 1)[1]
        assert 'value="حي العوالي"' in jumum and 'value="كل يوم"' in jumum and 'value="0125550000"' in jumum
    saved = await database.run(lambda s: [o.address_ar for o in offices.listing(s) if o.code == "jumum"])
    assert saved == [""]  # nothing saved
