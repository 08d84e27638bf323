"""An office imports its list of families; each is recognised by her number when she first writes, and
asked only what the office did not know, and her consent."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.outbox.dispatcher import OutboxDispatcher
from conversations.engine.engine import Engine
from core.channel import Channel
from core.domain import StaffRole
from core.validators import with_check_digit
from handlers.whatsapp.sender import WhatsAppSender, twilio_client
from office.errors import RejectedFile
from storage import announcements, audiences, staff
from storage.audiences import Audience
from storage.contacts import Saved
from storage.db import Database
from storage.models import Beneficiary, Contact
from tests.support.builders import AISHA_ID, imported, write
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, BUSINESS, TEMPLATE, FakeTwilio
from tests.support.people import Clock, Person, ar
from tests.support.processes import usar
from tests.support.reads import contacts_in

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
HIND_ID = with_check_digit("100000002")
NOURA_ID = with_check_digit("200000003")

GOOD_CSV = f"""رقم الهوية,الاسم,الجوال,المكتب
{AISHA_ID},عائشة محمد الحربي,0551110001,مكة المكرمة
{"".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in HIND_ID)},هند سعيد الغامدي,+966 55 111 0002,jumum

{NOURA_ID},Noura Ali,00966551110003,Jeddah
"""


async def test_a_csv_with_arabic_headers_and_digits_is_imported(database: Database, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_CSV)
    assert await imported(database, path, dry_run=True) == Saved(added=3, updated=0, already_registered=0)
    assert await contacts_in(database) == []  # a dry run saves nothing
    assert await imported(database, path) == Saved(added=3, updated=0, already_registered=0)
    assert await contacts_in(database) == [
        (AISHA_ID, "عائشة محمد الحربي", "+966551110001", "makkah"),
        (HIND_ID, "هند سعيد الغامدي", "+966551110002", "jumum"),
        (NOURA_ID, "Noura Ali", "+966551110003", "jeddah"),
    ]
    # The office sends its list again, with one mobile corrected: updated, not doubled.
    again = write(tmp_path, GOOD_CSV.replace("0551110001", "0551110009"), "again.csv")
    assert await imported(database, again) == Saved(added=0, updated=3, already_registered=0)
    assert (AISHA_ID, "عائشة محمد الحربي", "+966551110009", "makkah") in await contacts_in(database)


async def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(
    database: Database, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "national id;name;mobile;office\n"
        f"{AISHA_ID};عائشة محمد الحربي;0551110001;makkah\n"  # line 2: good
        "1000000001;هند سعيد;0551110002;makkah\n"  # line 3: the check digit is wrong
        f"{HIND_ID};هند;0551110002;makkah\n"  # line 4: one name only
        f"{NOURA_ID};Noura Ali;12345;Riyadh\n"  # line 5: bad mobile, unknown office
        f"{AISHA_ID};عائشة الحربي;0551110004;makkah\n"  # line 6: the same ID as line 2
        ";;;\n"  # line 7: blank, skipped
        f'"{with_check_digit("100000005")}";"سارة\nالعتيبي";;makkah\n',  # lines 8-9: no mobile
    )
    with pytest.raises(RejectedFile) as rejected:
        await imported(database, path)
    assert rejected.value.problems == [
        "line 3: national ID 1000000001 is not valid (check digit)",
        "line 4: name “هند” is one word: the full name is needed",
        "line 5: mobile 12345 is not a Saudi mobile such as 0551234567",
        "line 5: office: unknown office “Riyadh”",
        "line 6: the same national ID as line 2",
        "line 8: mobile: empty",
    ]
    assert await contacts_in(database) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "the file is empty"),
        ("name,mobile\nعائشة محمد,0551110001\n", "missing: national_id, office"),
        (
            "رقم الهوية,الاسم,الجوال,المكتب\n1000000008,عائشة محمد,0551110001,مكة\n".encode("cp1256"),
            "not UTF-8",
        ),
    ],
)
async def test_a_file_we_cannot_read_says_why(
    database: Database, tmp_path: Path, content: str | bytes, expected: str
) -> None:
    path = tmp_path / "families.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(RejectedFile, match=expected):
        await imported(database, path)


async def test_a_spreadsheet_with_number_cells_is_read(database: Database, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["National ID", "Full name", "Mobile number", "Office"])
    sheet.append([int(AISHA_ID), "عائشة محمد الحربي", 551110001, "Makkah"])
    sheet.append([float(HIND_ID), "هند سعيد الغامدي", "0551110002", "الجموم"])
    path = tmp_path / "families.xlsx"
    book.save(path)
    assert await imported(database, path) == Saved(added=2, updated=0, already_registered=0)
    broken = write(tmp_path, "not a workbook", "broken.xlsx")
    with pytest.raises(RejectedFile, match=r"not a readable \.xlsx workbook"):
        await imported(database, broken)


async def test_an_office_imports_only_its_own_families(database: Database, tmp_path: Path) -> None:
    await database.run(lambda s: staff.add_or_update(s, "901", StaffRole.STAFF, "makkah", NOW))
    with pytest.raises(RejectedFile) as rejected:
        await imported(database, write(tmp_path, GOOD_CSV), staff="901")
    assert rejected.value.problems == [
        "line 3: office: you can only import families of your office",
        "line 5: office: you can only import families of your office",
    ]


async def test_she_is_recognised_by_her_number_and_asked_only_what_is_missing(
    database: Database, engine: Engine, clock: Clock, tmp_path: Path
) -> None:
    await imported(database, write(tmp_path, GOOD_CSV))
    aisha = Person(engine, clock, address="+966551110001", channel=Channel.WHATSAPP)
    await aisha.says("السلام عليكم")
    assert "أهلاً يا عائشة" in aisha.heard
    await aisha.chooses(ar("Register my family"))
    assert "أرسل لنا مكتبك اسمك ورقم هويتك ومكتبك." in aisha.heard
    assert ar("What does your family make? Choose all that apply, then “Done”.") in aisha.heard
    await aisha.says("1")
    await aisha.chooses(ar("Done"))
    await aisha.chooses(ar("Yes"))
    await aisha.chooses(ar("No"))
    await aisha.chooses(ar("I agree"))
    assert "عائشة محمد الحربي" in aisha.heard and "مكة" in aisha.heard  # the summary shows what was known
    await aisha.chooses(ar("Save"))
    assert ar("Main menu: what would you like to do?") in aisha.heard

    family = await database.run(lambda s: s.scalars(select(Beneficiary)).one())
    assert (family.full_name, family.national_id, family.mobile, family.office_code) == (
        "عائشة محمد الحربي",
        AISHA_ID,
        "+966551110001",
        "makkah",
    )
    assert family.mobile_verified_at is not None
    assert len(await contacts_in(database)) == 2  # her office's copy is gone; the others wait

    # Imported again later, she is left as she is.
    assert await imported(database, write(tmp_path, GOOD_CSV)) == Saved(
        added=0, updated=2, already_registered=1
    )
    count = await database.run(lambda s: s.scalar(select(func.count()).select_from(Contact)))
    assert count == 2


async def test_someone_not_on_any_list_registers_as_before(engine: Engine, clock: Clock) -> None:
    stranger = Person(engine, clock, address="+966559999999", channel=Channel.WHATSAPP)
    await stranger.says("مرحبا")
    assert "أهلاً بك في «أسر»" in stranger.heard
    await stranger.chooses(ar("Register my family"))
    assert ar("What is your full name?") in stranger.heard


def test_the_command_reports_bad_lines_and_exit_status(tmp_path: Path) -> None:
    good = write(tmp_path, GOOD_CSV)
    run = usar("beneficiaries", "import", str(good), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "3 families were added and 0 updated; 0 already registered" in run.stdout
    bad = write(
        tmp_path, "national id,name,mobile,office\n1000000001,هند سعيد,0551110002,makkah\n", "bad.csv"
    )
    rejected = usar("beneficiaries", "import", str(bad), cwd=tmp_path)
    assert rejected.returncode == 1
    assert "bad.csv: line 2: national ID 1000000001 is not valid (check digit)" in rejected.stderr
    assert "nothing was changed (1 problem)" in rejected.stderr
    assert "1000000001" not in rejected.stdout


async def test_an_invitation_to_register_reaches_the_imported_families_on_whatsapp(
    database: Database, engine: Engine, clock: Clock, tmp_path: Path
) -> None:
    await imported(database, write(tmp_path, GOOD_CSV))
    invitation = Audience(offices=("makkah", "jumum"), contacts=True)
    assert await database.run(lambda s: audiences.count(s, invitation)) == audiences.Count(reached=2)

    # Hind asks not to be written to before the invitation goes.
    hind = Person(engine, clock, address="+966551110002", channel=Channel.WHATSAPP)
    await hind.says("إيقاف")
    assert "لن نراسلك مرة أخرى إلا إذا راسلتِنا." in hind.heard
    assert await database.run(lambda s: audiences.count(s, invitation)) == audiences.Count(
        reached=1, stopped=1
    )

    await database.run(
        lambda s: announcements.create(
            s, "سجّلي أسرتك في «أسر»", None, invitation, "900", clock.now, clock.now
        )
    )
    await database.run(lambda s: announcements.enqueue_due(s, clock.now))
    fake = FakeTwilio(auth_token=AUTH_TOKEN)
    await fake.start()
    client = twilio_client(ACCOUNT_SID, AUTH_TOKEN, fake.url)
    sender = WhatsAppSender(client, BUSINESS, {"announcement": TEMPLATE}, None, clock)
    try:
        assert await OutboxDispatcher(database, {Channel.WHATSAPP: sender}, {}, clock).drain() == 1
    finally:
        await client.http_client.close()
        await fake.stop()
    [created] = fake.created  # Aisha, outside any 24-hour window: the approved template
    assert created["To"] == "whatsapp:+966551110001" and created["ContentSid"] == TEMPLATE


async def test_a_list_sent_again_is_found_by_her_new_mobile_name_and_digits_and_puts_her_back_on_it(
    database: Database, tmp_path: Path
) -> None:
    """The list is written a thousand rows at a time, not through the model: what the model keeps beside
    each family (look-up keys, last digits, folded name) must be written all the same, on both imports."""
    from office import contacts
    from office.rights import OPERATOR

    await imported(database, write(tmp_path, GOOD_CSV))
    aisha = await database.run(lambda s: contacts.search(s, OPERATOR, "0551110001").contacts[0].id)
    await database.run(lambda s: contacts.remove(s, OPERATOR, aisha, NOW))  # taken off her office's list
    again = GOOD_CSV.replace("0551110001", "0551110009").replace("عائشة محمد", "عائشه محمد")

    def found(session: Session, typed: str) -> list[str]:
        return [contact.national_id for contact in contacts.search(session, OPERATOR, typed).contacts]

    assert await imported(database, write(tmp_path, again, "again.csv")) == Saved(0, 3, 0)

    for typed, expected in (
        ("0551110009", [AISHA_ID]),  # her corrected mobile
        ("0551110001", []),  # not the old one
        (AISHA_ID, [AISHA_ID]),  # her ID, unchanged
        ("عائشة", [AISHA_ID]),  # her name as the list now spells it, found by its folded form
    ):
        assert await database.run(partial(found, typed=typed)) == expected, typed
    tails = await database.run(
        lambda s: sorted((c.national_id_tail, c.mobile_tail) for c in s.scalars(select(Contact)))
    )
    assert tails == sorted([(AISHA_ID[-4:], "0009"), (HIND_ID[-4:], "0002"), (NOURA_ID[-4:], "0003")])
    back = await database.run(lambda s: s.get_one(Contact, aisha).removed_at)
    assert back is None  # on the list she was taken off, sent again: she is on it again
