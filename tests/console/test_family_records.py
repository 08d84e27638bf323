"""Families' records in the console over HTTP: staff correct her name or mobile (her office's staff and
admins; her national ID stays the admins'); a note typed before "Verify" is kept with the verification;
families on the imported list are found (by name from an address, by a whole ID or mobile only by POST), from
the lists and from the families' search; taking one off the list asks first, naming her, and can be undone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.service import Service
from core.domain import StaffRole, Verification
from core.text import fold
from core.validators import with_check_digit
from storage import audiences, audit, beneficiaries, contacts
from storage.audiences import Audience
from storage.audit import Line
from storage.db import Database
from storage.models import Beneficiary, Contact
from tests.support.builders import add_staff, imported, national_id, register_families, write
from tests.support.console import Visitor, console_server, visitor
from tests.support.people import Clock

AISHA_ID = with_check_digit("100000091")  # not a registered family's (`builders.national_id`)
HIND_ID = with_check_digit("100000092")
LIST = f"""رقم الهوية,الاسم,الجوال,المكتب
{AISHA_ID},عائشة محمد الحربي,0551110001,makkah
{HIND_ID},هند سعيد الغامدي,0551110002,jumum
"""


@pytest.fixture
async def console(
    database: Database, database_url: str, clock: Clock, tmp_path: Path
) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    await register_families(
        database,
        clock,
        [("فاطمة أحمد الزهراني", "makkah"), ("مريم خالد العتيبي", "jumum"), ("نورة سعيد", "makkah")],
    )
    assert (await imported(database, write(tmp_path, LIST))).added == 2
    async with console_server(database_url, clock) as service:
        yield service


async def her(database: Database, family: int) -> Beneficiary:
    found = await database.run(lambda s: beneficiaries.beneficiary(s, family))
    assert found is not None
    return found


async def entries(database: Database, target: str, number: int) -> list[Line]:
    return await database.run(lambda s: list(audit.lines(s, target=(target, number))))


async def on_the_list(database: Database, mobile: str) -> Contact | None:
    """Whom the bot recognises by this mobile, of an office's list."""
    return await database.run(lambda s: contacts.by_mobile(s, mobile))


async def invited(database: Database) -> int:
    """How many of Makkah's list an announcement to those not registered yet reaches."""
    makkahs_list = Audience(offices=("makkah",), contacts=True)
    return (await database.run(lambda s: audiences.count(s, makkahs_list))).reached


def seen(page: str) -> str:
    return page.split('name="seen" value="', 1)[1].split('"', 1)[0]


async def correcting(sara: Visitor, family: int, full_name: str, mobile: str) -> str:
    page = await sara.get(f"/console/families/{family}")
    form = {"csrf": sara.form_token(), "seen": seen(page), "full_name": full_name, "mobile": mobile}
    return await sara.post(f"/console/families/{family}/details", form)


async def test_sara_corrects_her_name_and_mobile_typed_in_arabic_digits(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await correcting(sara, 1, "فاطمه محمد الزهراني", "٠٥٥٩٩٩٨٨٧٧")
        assert sara.status == 303 and "0559998877" not in sara.location
        await sara.get(sara.location)
        assert "صُحّحت بياناتها." in sara.text and "0559998877" in sara.text
        fatima = await her(database, 1)
        assert (fatima.full_name, fatima.mobile) == ("فاطمه محمد الزهراني", "+966559998877")
        assert fatima.name_key == fold("فاطمه محمد الزهراني") and fatima.mobile_verified_at is None
        await sara.get("/console/families?q=فاطمة محمد")  # found by her new name, spelt either way
        assert "/console/families/1?" in sara.text
        await sara.get("/console/families?q=أحمد الزهراني")
        assert "/console/families/1?" not in sara.text  # and no longer by the old one
    # The log says what was corrected, never the numbers nor the names.
    [entry] = [
        line for line in await entries(database, "family", 1) if line.action == "registrations.details"
    ]
    assert (entry.outcome, entry.details) == ("name_and_mobile", {"changed": ["full_name", "mobile"]})
    assert entry.staff_name == "sara"
    assert "0559998877" not in str(entry.details) and "محمد" not in str(entry.details)


async def test_a_wrong_mobile_or_name_is_said_beside_it_and_changes_nothing(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await correcting(sara, 1, "فاطمة", "0412345678")
        assert sara.status == 400
        assert sara.text.count('class="field-problem"') == 2  # the name and the mobile, each beside its box
        assert 'value="0412345678"' in sara.text and 'value="فاطمة"' in sara.text  # what she typed is kept
        await correcting(sara, 1, "فاطمة أحمد الزهراني", "0500000003")  # Noura's
        assert sara.status == 400 and "أسرة مسجلة أخرى لديها هذا الجوال." in sara.text
        await correcting(sara, 1, "فاطمة أحمد الزهراني", "0551110001")  # Aisha's, on the list
        assert sara.status == 400 and "أسرة في قائمة مستوردة لديها هذا الجوال." in sara.text
        await sara.get("/console/families/1")
        await sara.post(
            "/console/families/2/details",
            {"csrf": sara.form_token(), "full_name": "مريم خالد", "mobile": "0559998877"},
        )
        assert sara.status == 404  # another office's family
    assert (await her(database, 1)).mobile == "+966500000001"
    assert (await her(database, 2)).full_name == "مريم خالد العتيبي"
    assert [line.action for line in await entries(database, "family", 1)] == []


async def test_her_national_id_stays_the_admins_to_correct(console: Service, database: Database) -> None:
    new_id = national_id(77)
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get("/console/families/1")
        assert 'name="national_id"' not in page and "تصحّح رقم هويتها إحدى المسؤولات." in page
        await sara.post("/console/families/1/national-id", {"csrf": sara.form_token(), "national_id": new_id})
        assert sara.status == 403
    assert (await her(database, 1)).national_id == national_id(1)
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        await noura.get("/console/families/1")
        await noura.post(
            "/console/families/1/national-id", {"csrf": noura.form_token(), "national_id": new_id}
        )
        assert noura.status == 303
    fatima = await her(database, 1)
    assert (fatima.national_id, fatima.national_id_tail) == (new_id, new_id[-4:])


async def test_a_note_typed_before_verify_is_kept_with_the_verification(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get("/console/families/1")
        form = {"csrf": sara.form_token(), "seen": seen(page), "change": "verified", "reason": "طابقت الهوية"}
        await sara.post("/console/families/1/verification", form)
        assert sara.status == 303
        page = await sara.get(sara.location)
        assert "وثّقت تسجيلاً («طابقت الهوية»)" in page  # in her history, on her page
    assert (await her(database, 1)).verification is Verification.VERIFIED
    [entry] = await entries(database, "family", 1)
    assert (entry.action, entry.details) == ("registrations.verify", {"reason": "طابقت الهوية"})


async def test_the_imported_list_is_searched_by_name_and_by_a_whole_number_posted(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/lists?q=عايشه")  # as families spell it
        assert sara.status == 200 and "عائشة محمد الحربي" in sara.text
        await sara.get("/console/lists?q=هند")  # Jumum's: not hers to see
        assert "هند سعيد الغامدي" not in sara.text and "لا أحد في القائمة يطابق البحث." in sara.text
        await sara.post("/console/lists/search", {"csrf": sara.form_token(), "q": "٠٥٥١١١٠٠٠١"})
        assert sara.status == 200 and "عائشة محمد الحربي" in sara.text
        await sara.post("/console/lists/search", {"csrf": sara.form_token(), "q": "عائشة"})
        assert sara.status == 303 and sara.location.startswith("/console/lists?q=")
        await sara.get(f"/console/lists?q={AISHA_ID}")  # a whole ID in an address is not searched
        assert sara.status == 400 and "عائشة محمد الحربي" in sara.text  # the whole list instead
        # From the families' search: her whole ID, and her name.
        await sara.get("/console/families")
        await sara.post("/console/families", {"csrf": sara.form_token(), "q": AISHA_ID})
        assert sara.status == 200 and "مستوردة، لم تسجّل" in sara.text
        assert "/console/lists/1" in sara.text and f"q={AISHA_ID}" not in sara.text  # in no address
        await sara.get("/console/families?q=عائشة")
        assert "لا توجد أسرة مسجلة تطابق البحث." in sara.text and "/console/lists/1" in sara.text
        await sara.get("/console/lists/1")
        assert sara.status == 200 and "عائشة محمد الحربي" in sara.text
        await sara.get("/console/lists/2")
        assert sara.status == 404


async def test_taking_her_off_the_list_asks_first_and_can_be_undone(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        assert await invited(database) == 1
        await sara.get("/console/lists")
        await sara.post("/console/lists/1/remove", {"csrf": sara.form_token()})
        assert sara.status == 200 and "هل تُخرجين عائشة محمد الحربي من القائمة؟" in sara.text
        assert await on_the_list(database, "+966551110001") is not None  # asked, nothing done yet
        await sara.post("/console/lists/1/remove", {"csrf": sara.form_token(), "confirmed": "yes"})
        assert sara.status == 303
        page = (await sara.get(sara.location)).replace("\u2068", "").replace("\u2069", "")  # isolates
        assert "أُخرجت عائشة محمد الحربي من القائمة" in page and "تراجعي: أعيديها" in page
        assert await on_the_list(database, "+966551110001") is None  # the bot no longer knows her
        assert await invited(database) == 0  # nor does an invitation to register reach her
        await sara.get("/console/lists")
        assert 'id="taken-off"' in sara.text and "/console/lists/1/restore" in sara.text  # told once, listed
        await sara.post("/console/lists/1/restore", {"csrf": sara.form_token()})
        assert sara.status == 303
        page = (await sara.get(sara.location)).replace("\u2068", "").replace("\u2069", "")
        assert "عادت عائشة محمد الحربي إلى القائمة كما كانت." in page
        assert 'id="taken-off"' not in page
        await sara.post("/console/lists/2/remove", {"csrf": sara.form_token(), "confirmed": "yes"})
        assert sara.status == 404  # Jumum's
    assert await on_the_list(database, "+966551110001") is not None
    assert await on_the_list(database, "+966551110002") is not None
    assert await invited(database) == 1
    assert [(line.action, line.outcome, line.details) for line in await entries(database, "contact", 1)] == [
        ("families.remove", "removed", None),
        ("families.restore", "restored", None),
    ]
