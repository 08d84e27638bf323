"""Her office: admins keep how families reach each office (phone, WhatsApp, address, map, opening hours), in
the chat and with `usar offices`; a family reads it in My account, first in Useful services, and wherever she
is told to contact her office. An office's staff cannot change it; a typo is refused and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from conversations.engine.engine import Engine
from core.dates import hours_text, parse_hours, unreadable_hours
from core.domain import StaffRole
from core.i18n import use_language
from office import canteens, offices, registrations
from office.errors import NotAllowed, Refused
from office.rights import OPERATOR, Actor
from storage import staff, tips
from storage.db import Database
from storage.models import AuditEntry, Delivery, Office
from tests.support.builders import girls_school, register_families, staff_person
from tests.support.people import Clock, Person, ar
from tests.support.processes import usar

MAKKAH = {
    "phone": "0125551234",
    "whatsapp": "0551110000",
    "address_ar": "حي العزيزية، شارع الحج",
    "address_en": "Al-Aziziyah, Al-Hajj Street",
    "map_url": "https://maps.example/makkah",
    "hours": parse_hours("sun-thu 08:00-14:00"),
    "hours_note_ar": "في رمضان من ١٠ إلى ٢",
    "hours_note_en": "In Ramadan 10 to 2",
}


async def makkah_has_its_contact(database: Database, clock: Clock) -> None:
    await database.run(lambda s: offices.edit(s, OPERATOR, "makkah", MAKKAH, clock.now))


def test_opening_hours_are_read_in_english_and_arabic_and_said_in_each() -> None:
    hours = parse_hours("sun-thu 08:00-14:00; sat 09:00-12:00")
    assert hours == [
        {"days": [6, 0, 1, 2, 3], "opens": "08:00", "closes": "14:00"},
        {"days": [5], "opens": "09:00", "closes": "12:00"},
    ]
    assert parse_hours("الأحد-الخميس ٠٨:٠٠-١٤:٠٠") == hours[:1]
    assert hours_text(hours, "en") == "Sunday–Thursday 08:00–14:00; Saturday 09:00–12:00"
    assert hours_text(hours, "ar").startswith("الأحد–الخميس")
    assert parse_hours("") == []
    assert parse_hours("sun-thu 08:00-14:00, sat 09:00-12:00") == hours  # a comma separates them too
    assert parse_hours("الأحد إلى الخميس 8 - 14") == hours[:1]
    for unreadable in ("weekdays 8-2", "sun-thu 14:00-08:00", "sun-thu 25:00-26:00", "sun, tue 08:00-14:00",
                       "sun-thursdayish 08:00-14:00", "sun-thu 08:00-14:00 sat 09:00-12:00"):  # fmt: skip
        assert parse_hours(unreadable) is None, unreadable
    assert unreadable_hours("sun-thu 08:00-14:00; sat 12:00-09:00") == "sat 12:00-09:00"


async def test_an_admin_changes_an_office_in_the_chat_and_her_family_reads_it(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await fatima.registers()  # Makkah
    noura = await staff_person(database, engine, clock, StaffRole.ADMIN, None, "900")
    await noura.says("hello")
    await noura.chooses("Offices: phone, address, hours")
    assert "Makkah · no phone yet" in noura.options
    await noura.chooses("Makkah")
    assert "The Makkah office." in noura.heard and "Phone: —" in noura.heard
    await noura.says("back")  # at the summary of what is stored: back to the offices, nothing saved
    assert "Nothing was changed." in noura.heard and "Makkah · no phone yet" in noura.options
    await noura.chooses("Makkah")
    await noura.chooses("Change an answer")
    await noura.chooses("Phone")
    await noura.says("call us")  # refused at once, asked again
    assert "Please type a phone number: digits, with + first for an international one" in noura.heard
    await noura.says("٠١٢٥٥٥١٢٣٤")
    await noura.chooses("Change an answer")
    await noura.chooses("Opening hours")
    await noura.says("sun-thu 08:00-14:00 sat 09:00-12:00")  # a separator forgotten: refused, not half-read
    assert "I could not read “sun-thu 08:00-14:00 sat 09:00-12:00”" in noura.heard
    await noura.says("الأحد-الخميس 08:00 - 14:00؛ السبت 09:00-12:00")  # the Arabic keyboard's semicolon
    assert "Opening hours: Sunday–Thursday 08:00–14:00; Saturday 09:00–12:00" in noura.heard
    await noura.chooses("Change an answer")
    await noura.chooses("Map link")
    await noura.says("maps.example/makkah")
    assert "Please type a link that starts with https://" in noura.heard
    await noura.says("https://maps.example/makkah")
    await noura.says("back")  # changes made: asked before they are dropped
    assert "Leave without saving your changes?" in noura.heard
    await noura.chooses("No, let us go on")
    await noura.chooses("Save")
    assert "Saved. Families of Makkah read it from now on." in noura.heard
    assert "Makkah · 0125551234" in noura.options

    await fatima.says("القائمة")
    await fatima.chooses(ar("My account"))
    await fatima.chooses(ar("My office"))
    assert ar("Your office: %(name)s", name="مكة المكرمة") in fatima.heard
    assert "📞 0125551234" in fatima.heard and "🗺️ https://maps.example/makkah" in fatima.heard
    assert "🕘 الأحد–الخميس 08:00–14:00؛ السبت 09:00–12:00" in fatima.heard
    changed = await database.run(
        lambda s: s.scalars(select(AuditEntry).where(AuditEntry.action == "offices.edit")).all()
    )
    assert [((entry.details or {}).get("changed"), entry.outcome) for entry in changed] == [
        (["hours", "map_url", "phone"], "changed")
    ]


async def test_an_offices_staff_sees_no_offices_option_and_cannot_change_one(
    database: Database, engine: Engine, clock: Clock
) -> None:
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    assert not any("Offices" in option for option in huda.options)
    try:
        await database.run(
            lambda s: offices.edit(s, Actor("901"), "makkah", {"phone": "0125551234"}, clock.now)
        )
    except NotAllowed:
        pass
    else:
        raise AssertionError("an office's staff changed how families reach it")
    stored = await database.run(lambda s: s.get(Office, "makkah"))
    assert stored is not None and stored.phone == ""


async def test_useful_services_show_her_office_then_its_entries_and_not_another_offices(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await database.run(lambda s: tips.load_shipped(s))
    await makkah_has_its_contact(database, clock)
    await fatima.registers(mobile="0551234567")
    await fatima.chooses(ar("Useful services"))
    said = fatima.replies[0].text
    assert said.index("📞 0125551234") < said.index("الغرفة التجارية") < said.index("مكتب الضمان الاجتماعي")
    assert "مكتب العمل بجدة" not in said  # Jeddah's
    assert "عرّفت بها في ملتقى" not in said  # the long "about" stays out of the list


async def test_where_she_is_told_to_contact_her_office_she_reads_how(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await makkah_has_its_contact(database, clock)
    await fatima.registers()
    school = girls_school("ابتدائية مكة", clock.now + timedelta(days=10))
    await database.run(lambda s: canteens.publish(s, OPERATOR, school, clock.now))
    await fatima.chooses(ar("Canteen opportunities"))
    await fatima.chooses("ابتدائية مكة")
    await fatima.chooses(ar("Apply"))
    assert (
        ar("Your office has not verified your registration yet. Please contact your office.") in fatima.heard
    )
    assert "📞 0125551234" in fatima.heard and "حي العزيزية، شارع الحج" in fatima.heard

    await database.run(
        lambda s: registrations.ask_correction(s, OPERATOR, 1, "الاسم كما في الهوية", clock.now)
    )
    told = await database.run(
        lambda s: s.scalars(select(Delivery.payload).where(Delivery.kind == "registration_correction")).one()
    )
    assert "الاسم كما في الهوية" in told["ar"] and "📞 0125551234" in told["ar"]
    assert "Al-Aziziyah, Al-Hajj Street" in told["en"] and "In Ramadan 10 to 2" in told["en"]


def test_usar_offices_lists_and_edits_and_a_typo_changes_nothing(tmp_path: Path) -> None:
    assert usar("migrate", cwd=tmp_path).returncode == 0
    edited = usar(
        "offices", "edit", "jeddah", "--phone", "0126660000", "--hours", "sun-thu 08:00-14:00",
        "--address-en", "Jeddah, Al-Rawdah", cwd=tmp_path,
    )  # fmt: skip
    assert edited.returncode == 0, edited.stderr
    assert "how families reach Jeddah is saved" in edited.stdout
    typo = usar("offices", "edit", "jeddah", "--phone", "0127770000", "--hours", "weekdays", cwd=tmp_path)
    assert typo.returncode != 0 and "sun-thu 08:00-14:00" in typo.stderr
    unknown = usar("offices", "edit", "riyadh", "--phone", "0127770000", cwd=tmp_path)
    assert unknown.returncode != 0 and "unknown office" in unknown.stderr
    listed = usar("offices", "list", cwd=tmp_path)
    assert "  phone: 0126660000" in listed.stdout  # the typo's phone was not saved
    assert "  hours: Sunday–Thursday 08:00–14:00" in listed.stdout
    assert "  address: Jeddah, Al-Rawdah" in listed.stdout


async def test_a_phone_that_cannot_be_dialled_is_refused_and_nothing_is_saved(
    database: Database, clock: Clock
) -> None:
    await makkah_has_its_contact(database, clock)
    with use_language("en"):
        try:
            await database.run(
                lambda s: offices.edit(
                    s, OPERATOR, "makkah", {"phone": "call us", "whatsapp": "1"}, clock.now
                )
            )
        except Refused as refused:
            assert [problem.field for problem in refused.problems] == ["phone", "whatsapp"]
        else:
            raise AssertionError("a phone that cannot be dialled was saved")
    stored = await database.run(lambda s: s.get(Office, "makkah"))
    assert stored is not None and stored.phone == "0125551234" and stored.whatsapp == "+966551110000"


async def test_an_inactive_office_is_not_offered_and_its_families_stay_with_it(
    fatima: Person, database: Database, clock: Clock
) -> None:
    await register_families(database, clock, [("مريم خالد", "jeddah")])
    await database.run(lambda s: offices.set_active(s, OPERATOR, "jeddah", False, clock.now))
    await fatima.says("مرحبا")
    await fatima.says("١")
    await fatima.says("فاطمة أحمد الزهراني")
    await fatima.says("١٠٠٠٠٠٠٠٠٨")
    await fatima.says("٠٥٥ ١٢٣ ٤٥٦٧")
    assert fatima.options == ["مكة المكرمة", "الجموم"]
    await fatima.says("جدة")
    assert fatima.options == ["مكة المكرمة", "الجموم"]  # asked again, nothing saved

    listed = await database.run(
        lambda s: [f.office_code for f in registrations.listing(s, OPERATOR).families]
    )
    assert listed == ["jeddah"]  # the family already there stays with it, and staff still find her
    await database.run(lambda s: offices.set_active(s, OPERATOR, "jeddah", True, clock.now))
    jeddahs = select(AuditEntry).where(AuditEntry.office_code == "jeddah")
    entries = await database.run(lambda s: [(e.action, e.outcome) for e in s.scalars(jeddahs)])
    assert entries[-2:] == [("offices.active", "inactive"), ("offices.active", "active")]


async def test_the_last_active_office_stays_and_only_admins_change_it(
    database: Database, clock: Clock
) -> None:
    for code in ("makkah", "jumum"):
        await database.run(
            partial(offices.set_active, actor=OPERATOR, code=code, active=False, now=clock.now)
        )
    with pytest.raises(Refused) as refused:
        await database.run(lambda s: offices.set_active(s, OPERATOR, "jeddah", False, clock.now))
    assert "آخر مكتب نشط" in str(refused.value.problems[0].message)
    await database.run(lambda s: staff.add_or_update(s, "900", StaffRole.STAFF, "jeddah", clock.now))
    with pytest.raises(NotAllowed):
        await database.run(lambda s: offices.set_active(s, Actor.staff("900"), "makkah", True, clock.now))
    active = await database.run(lambda s: [o.code for o in s.scalars(select(Office).where(Office.active))])
    assert active == ["jeddah"]


async def test_an_office_made_inactive_while_she_registers_is_named_and_asked_again(
    fatima: Person, database: Database, clock: Clock
) -> None:
    await fatima.says("مرحبا")
    await fatima.says("١")
    for answer in ("فاطمة أحمد الزهراني", "١٠٠٠٠٠٠٠٠٨", "٠٥٥ ١٢٣ ٤٥٦٧", "مكة", "1"):
        await fatima.says(answer)
    await fatima.chooses(ar("Done"))
    await database.run(lambda s: offices.set_active(s, OPERATOR, "makkah", False, clock.now))
    for answer in (ar("Yes"), ar("Yes"), ar("I agree")):
        await fatima.chooses(answer)
    assert "المكتب: مكة المكرمة" in fatima.heard  # its name, not its code
    await fatima.chooses(ar("Save"))
    assert "هذا المكتب لم يعد في القائمة" in fatima.heard and fatima.options == ["الجموم", "جدة"]
    assert await database.run(lambda s: registrations.listing(s, OPERATOR).total) == 0
