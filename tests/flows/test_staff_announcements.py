"""Staff write announcements in the chat: count, preview, send now or at a Riyadh time, follow, cancel."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from conversations.engine.engine import Engine
from core.domain import StaffRole
from storage import announcements, staff
from storage.audiences import Audience
from storage.db import Database
from storage.models import Announcement
from tests.support.builders import staff_person, town
from tests.support.people import Clock, Person, ar, en


async def saved(database: Database) -> list[Announcement]:
    return list(await database.run(lambda s: s.scalars(select(Announcement).order_by(Announcement.id)).all()))


async def test_an_admin_schedules_an_announcement_for_families_of_makkah_not_yet_verified(
    database: Database, engine: Engine, clock: Clock
) -> None:
    await town(database, clock)  # Makkah: families 3, 6 verified; 9 not; 12 not, and stopped announcements
    noura = await staff_person(database, engine, clock, StaffRole.ADMIN, None, "900")
    await noura.says("hello")
    await noura.chooses("Announcements")
    await noura.chooses("New announcement")
    assert "Please write the announcement in Arabic" in noura.heard

    await noura.says("   ")  # an empty message: the question again
    assert "Please write the announcement in Arabic" in noura.heard
    await noura.says("ا" * 1501)
    assert "That is 1501 characters; an announcement can have at most 1500." in noura.heard
    await noura.says("لقاء الأسر المنتجة\nيوم الخميس الساعة ٩ صباحاً")
    await noura.chooses("Arabic for everyone")
    await noura.chooses("Makkah")
    await noura.chooses("Everyone")
    await noura.chooses("Not yet verified")
    await noura.chooses("Done")
    assert "“Everyone” cannot be combined" in noura.heard
    assert "✅ Not yet verified" in noura.options  # her ticks are kept
    await noura.chooses("Everyone")  # untick it
    await noura.chooses("Done")
    assert "When should it be sent?" in noura.heard

    await noura.says("2026-11-01 09:00")
    assert "That time has already passed." in noura.heard
    await noura.says("٢٠٢٦-١٢-٠٣ ٠٩:٠٠")  # Riyadh time, Arabic-Indic digits
    heard = noura.heard
    assert "This is how families who read Arabic will see it:" in heard
    assert "لقاء الأسر المنتجة\nيوم الخميس الساعة ٩ صباحاً" in [reply.text for reply in noura.replies]
    assert "It will reach 1 family. Left out: 1 who stopped announcements and 0 who blocked" in heard
    assert "December 3, 2026" in heard and "Jumada" in heard and "09:00 Riyadh time" in heard
    assert await saved(database) == []  # nothing before she saves

    await noura.chooses("Save")
    assert "is scheduled for" in noura.heard
    assert "Announcements: what would you like to do?" in noura.heard
    (announcement,) = await saved(database)
    assert announcement.text_ar == "لقاء الأسر المنتجة\nيوم الخميس الساعة ٩ صباحاً"
    assert announcement.text_en is None
    assert announcement.send_at == datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    assert Audience.from_json(announcement.audience) == Audience(offices=("makkah",), verified=False)
    assert announcement.created_by == "900"


async def test_a_change_that_calls_for_a_new_question_asks_it_before_the_summary(
    database: Database, engine: Engine, clock: Clock
) -> None:
    noura = await staff_person(database, engine, clock, StaffRole.ADMIN, None, "900")
    await noura.says("hello")
    await noura.chooses("Announcements")
    await noura.chooses("New announcement")
    await noura.says("تنبيه")
    await noura.says("Notice")
    await noura.chooses("All offices")
    await noura.chooses("On WhatsApp")
    await noura.chooses("Done")
    await noura.chooses("Now")
    assert "Please check the announcement:" in noura.heard
    await noura.chooses("Change an answer")
    await noura.chooses("Who")
    await noura.chooses("Makers of certain products")
    await noura.chooses("Done")
    assert "Makers of which products?" in noura.heard
    await noura.chooses("Sewing")
    await noura.chooses("Done")
    assert "Please check the announcement:" in noura.heard
    await noura.chooses("Save")
    (announcement,) = await saved(database)
    assert announcement.text_en == "Notice"
    assert Audience.from_json(announcement.audience) == Audience(products=("sewing",), channel="whatsapp")


async def test_office_staff_reach_their_own_office_follow_it_and_cancel_it(
    database: Database, engine: Engine, clock: Clock
) -> None:
    await town(database, clock)
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "jumum", "901")
    await huda.says("hello")
    await huda.chooses("Announcements")
    await huda.chooses("New announcement")
    await huda.says("اجتماع")
    await huda.says("العربية للجميع")  # the button's words, typed: not an English text
    assert "Which office" not in huda.heard  # her office is the only one she can address
    await huda.chooses("Everyone")
    await huda.chooses("Done")
    await huda.chooses("Now")
    assert "It will reach 4 families." in huda.heard
    await huda.chooses("Save")
    assert "is on its way" in huda.heard
    (announcement,) = await saved(database)
    assert Audience.from_json(announcement.audience) == Audience(offices=("jumum",))

    await database.run(lambda s: announcements.enqueue_due(s, clock.now))
    await huda.chooses("Recent announcements")
    await huda.chooses(f"#{announcement.id}")
    assert "queued: its messages go out in a moment" in huda.heard  # none has gone yet
    assert "4 families: 0 sent (0 delivered), 4 waiting" in huda.heard
    await huda.chooses("Cancel this announcement")
    await huda.says("لا")
    assert "Nothing was changed." in huda.heard
    await huda.chooses("Cancel this announcement")
    await huda.says("maybe")
    assert (
        "I could not tell whether that is a yes or a no" in huda.heard and "Yes, cancel it" in huda.options
    )  # asked again
    await huda.says("نعم")
    assert f"Announcement {announcement.id} is cancelled." in huda.heard
    assert "4 cancelled" in huda.heard
    assert "Cancel this announcement" not in huda.options

    # Staff of another office neither see it nor can open it.
    amal = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "902")
    await amal.says("hello")
    await amal.chooses("Announcements")
    await amal.chooses("Recent announcements")
    assert "There are no announcements yet." in amal.heard
    await amal.presses(f"announcement:{announcement.id}")
    assert f"Announcement {announcement.id}:" not in amal.heard


async def test_the_staff_chat_speaks_arabic_too(database: Database, engine: Engine, clock: Clock) -> None:
    await database.run(lambda s: staff.add_or_update(s, "903", StaffRole.STAFF, "makkah", clock.now))
    salma = Person(engine, clock, address="903")
    await salma.says("السلام عليكم")
    await salma.chooses(ar("Announcements"))
    await salma.chooses(ar("New announcement"))
    assert ar("Please write the announcement in Arabic, as the families will read it.") in salma.heard
    await salma.says("إلغاء")
    assert ar("The announcement was discarded. Nothing was sent.") in salma.heard
    assert ar("Staff menu: what would you like to do?") in salma.heard
    assert en("Staff menu: what would you like to do?") not in salma.heard


async def test_a_beneficiary_cannot_reach_the_announcement_screens(fatima: Person) -> None:
    await fatima.registers()
    await fatima.presses("announcements:new")
    assert ar("Please write the announcement in Arabic, as the families will read it.") not in fatima.heard
    assert ar("Main menu: what would you like to do?") in fatima.heard


async def test_an_announcement_that_would_reach_no_family_says_so(
    database: Database, engine: Engine, clock: Clock
) -> None:
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "jeddah", "901")
    await huda.says("hello")
    await huda.chooses("Announcements")
    await huda.chooses("New announcement")
    await huda.says("اجتماع")
    await huda.chooses("Arabic for everyone")
    await huda.chooses("Everyone")
    await huda.chooses("Done")
    await huda.chooses("Now")
    assert "It will reach 0 families. As it stands no family would receive it" in huda.heard
