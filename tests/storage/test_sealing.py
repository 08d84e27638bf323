"""National IDs and mobiles are sealed at rest: the database file of a day's work holds none of them in clear,
look-ups and uniqueness still work through their keyed hashes, and a key rotation while families write
loses nothing (storage.sealing, decision 0114)."""

from __future__ import annotations

import asyncio
import base64
import sqlite3
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot import keys
from bot.outbox.dispatcher import OutboxDispatcher
from bot.settings import Settings, SettingsError
from conversations.engine.engine import Engine
from conversations.flows import all_flows
from core.channel import Channel
from handlers.whatsapp.sender import WhatsAppSender, twilio_client
from office import uploads
from office.rights import Actor
from storage import beneficiaries, sealing, staff
from storage.beneficiaries import Identifier
from storage.db import Database
from storage.models import Base, Beneficiary, Contact, Conversation
from storage.sealing import KeyFormatError, Keyring, NoKey
from tests.support.builders import add_staff, announce, imported, write
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, BUSINESS, FakeTwilio
from tests.support.people import Clock, Person
from tests.support.reads import threads_of
from tests.support.sealing import TEST_KEYS, keyring_of_the_tests

# Hers, and a listed family's: each in every form it may be written.
HERS = ("1000000008", "0551234567", "966551234567", "+966551234567")
LISTED = ("1000000016", "0561112222", "966561112222")
HALFWAY = ("1000000024", "0573334444")  # a woman who stopped halfway through registering
WHATSAPP = ("1000000032", "+966591112233", "0591112233")  # a woman on WhatsApp: her address is her mobile


def everything_in(path: Path) -> bytes:
    """The SQLite file's bytes once everything written is in it (its log checkpointed)."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_a_days_work_leaves_no_national_id_or_mobile_in_clear_in_the_database_file(
    sqlite_url: str, clock: Clock, tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    database = Database(sqlite_url)
    client = twilio_client(ACCOUNT_SID, AUTH_TOKEN, fake_twilio.url)
    try:
        engine = Engine(database, all_flows())
        fatima = Person(engine, clock, address="terminal-1")
        await fatima.registers(national_id=HERS[0], mobile=HERS[1])
        await fatima.chooses("حسابي")  # she reads her details: shown to her, kept sealed
        # On WhatsApp her address is her mobile: she registers, asks her office, and is sent an announcement.
        amal = Person(engine, clock, address=WHATSAPP[1], channel=Channel.WHATSAPP)
        await amal.registers(name="آمال سعد", national_id=WHATSAPP[0])
        await amal.says("ابي اكلم موظفة عن الدورة الجاية")
        await amal.chooses("أرسله إلى مكتبي")
        assert await threads_of(database)  # her question waits for her office, with her address
        await announce(database, clock)
        sender = WhatsAppSender(client, BUSINESS, {}, None, clock)
        worker = OutboxDispatcher(database, {Channel.WHATSAPP: sender}, {Channel.WHATSAPP: 20}, clock)
        assert await worker.drain() >= 1
        halfway = Person(engine, clock, address="terminal-2")
        await halfway.says("مرحبا")
        await halfway.chooses("تسجيل أسرتي")
        for answer in ("نورة سعيد", HALFWAY[0], HALFWAY[1]):
            await halfway.says(answer)  # and stops: what she typed waits in her conversation
        listed = f"رقم الهوية,الاسم,الجوال,المكتب\n{LISTED[0]},هند سعيد,{LISTED[1]},makkah\n"
        await imported(database, write(tmp_path, listed))
        await add_staff(database, clock, "sara", office="makkah")
        sara = await database.run(lambda s: staff.by_login(s, "sara"))
        assert sara is not None
        another = f"رقم الهوية,الاسم,الجوال\n{HALFWAY[0]},نورة سعيد,{HALFWAY[1]}\n".encode()
        await database.run(
            lambda s: uploads.hold(s, Actor.signed_in(sara.id), "list.csv", another, clock.now)
        )

        # Everything reads back as it was written...
        family = await database.run(lambda s: s.scalars(select(Beneficiary).order_by(Beneficiary.id)).first())
        assert family is not None
        assert (family.national_id, family.mobile, family.national_id_tail) == (HERS[0], HERS[3], "0008")
        contact = await database.run(lambda s: s.scalars(select(Contact)).one())
        assert (contact.national_id, contact.mobile) == (LISTED[0], "+" + LISTED[2])
        found = await database.run(lambda s: beneficiaries.find_by(s, Identifier.MOBILE, HERS[3]))
        assert found == family.id
        waiting = await database.run(
            lambda s: s.get(Conversation, ("terminal", sealing.key_of("terminal-2")))
        )
        assert waiting is not None and HALFWAY[0] in str(waiting.answers)
    finally:
        await client.http_client.close()
        await database.dispose()
    # ...and none of it is in the file, in any form.
    stored = everything_in(Path(sqlite_url.removeprefix("sqlite:///")))
    assert "فاطمة".encode() in stored  # the file is read whole: her name is there, not sealed
    for number in (*HERS, *LISTED, *HALFWAY, *WHATSAPP, WHATSAPP[1].removeprefix("+")):
        assert number.encode() not in stored, number


async def test_a_sealed_column_refuses_a_comparison_that_would_silently_match_nothing() -> None:
    with pytest.raises(TypeError, match="look-up key"):
        select(Beneficiary.id).where(Beneficiary.national_id == "1000000008")
    with pytest.raises(TypeError, match="look-up key"):
        select(Contact.id).where(Contact.mobile.in_(["+966551234567"]))
    assert select(Conversation.channel).where(Conversation.answers.is_not(None)) is not None


def test_a_value_opens_only_with_its_key_and_in_its_own_column() -> None:
    ring = keyring_of_the_tests()
    sealed = ring.seal_text(b"1000000008", b"beneficiaries.national_id")
    assert sealed.startswith("1:") and "1000000008" not in sealed
    assert ring.seal_text(b"1000000008", b"beneficiaries.national_id") != sealed  # a fresh nonce each time
    assert ring.open_text(sealed, b"beneficiaries.national_id") == b"1000000008"
    with pytest.raises(NoKey, match="another key"):
        ring.open_text(sealed, b"contacts.national_id")  # copied into another column: it does not open
    stranger = Keyring({1: sealing.new_key()})
    with pytest.raises(NoKey, match="another key"):
        stranger.open_text(sealed, b"beneficiaries.national_id")
    assert stranger.key_of("1000000008") != ring.key_of("1000000008")  # look-up keys are keyed too


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("", "no key"),
        ("1:short", "32 bytes"),
        (f"2:{base64.b64encode(bytes(32)).decode()}", "key 1 is missing"),
        (f"1:{base64.b64encode(bytes(32)).decode()},1:{base64.b64encode(bytes(32)).decode()}", "twice"),
        ("one:two", "number"),
    ],
)
def test_keys_that_do_not_read_as_keys_are_refused_with_what_is_wrong(given: str, problem: str) -> None:
    with pytest.raises(KeyFormatError, match=problem):
        sealing.parse_keys(given)


def test_a_lone_key_is_key_1_and_the_key_file_reads_back_as_it_was_written(tmp_path: Path) -> None:
    key = sealing.new_key()
    assert sealing.parse_keys(base64.b64encode(key).decode()) == {1: key}
    path = tmp_path / "usar-data.key"
    sealing.write_key_file(path, {1: key, 2: sealing.new_key()}, new=True)
    assert path.stat().st_mode & 0o777 == 0o600
    assert Keyring.from_file(path).current == 2
    with pytest.raises(FileExistsError):
        sealing.write_key_file(path, {1: key}, new=True)  # a new file never overwrites keys


async def test_a_fresh_install_makes_its_key_beside_the_database_once_and_a_lost_key_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.app import open_database

    monkeypatch.delenv("USAR_DATA_KEY")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/usar.db")
    try:
        async with open_database(settings):
            pass
        made = tmp_path / "usar-data.key"
        assert made.stat().st_mode & 0o777 == 0o600
        assert "made a new data key" in caplog.text
        caplog.clear()
        async with open_database(settings):
            pass
        assert "made a new data key" not in caplog.text  # said once
        made.rename(tmp_path / "elsewhere.key")
        with pytest.raises(SettingsError, match="put the key file back"):
            async with open_database(settings):
                pass
        assert not made.exists()  # no new key made over the lost one
        with pytest.raises(SettingsError, match="not the key this database was sealed with"):
            async with open_database(Settings(database_url=settings.database_url, data_key=TEST_KEYS)):
                pass
    finally:
        sealing.use(keyring_of_the_tests())


async def test_keys_rotate_while_families_register_and_nothing_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    """The operator runs `usar keys rotate` while families write: every value ends under the new key, each
    opens to what she typed, and the old key stays in the file for the backups made before."""
    from bot.app import build_engine, open_database

    monkeypatch.delenv("USAR_DATA_KEY")
    monkeypatch.setattr(sealing, "RELOAD_SECONDS", 0.0)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/usar.db")
    try:
        async with open_database(settings) as database:
            engine = build_engine(database, settings)
            women = [Person(engine, clock, address=f"terminal-{n}") for n in range(12)]
            for n, woman in enumerate(women[:6]):
                await woman.registers(name="فاطمة أحمد", national_id=_id(n), mobile=f"05500000{n:02d}")

            async def traffic() -> None:
                for n, woman in enumerate(women[6:], start=6):
                    await woman.registers(name="نورة سعيد", national_id=_id(n), mobile=f"05500000{n:02d}")
                    await asyncio.sleep(0)

            done, _ = await asyncio.gather(keys.rotate(settings, database, settle=0, batch=2), traffic())
            assert done.added and done.key == 2 and done.older == 0

            def read(session: Session) -> list[tuple[str, str]]:
                rows = session.scalars(select(Beneficiary).order_by(Beneficiary.id))
                return [(row.national_id, row.mobile) for row in rows]

            assert sorted(await database.run(read)) == sorted(
                (_id(n), f"+9665500000{n:02d}") for n in range(12)
            )
            for woman in women:
                assert woman.heard  # nobody's turn failed
            raw = await database.run(
                lambda s: s.execute(text("SELECT national_id_sealed, mobile_sealed FROM beneficiaries")).all()
            )
            assert {sealing.sealed_under(value) for row in raw for value in row} == {2}
            for table, names in sealing.sealed_columns(Base.metadata.sorted_tables):
                older = partial(sealing.under_older_keys, table=table, names=names)
                assert await database.run(older) == 0
        assert set(Keyring.from_file(tmp_path / "usar-data.key").keys) == {1, 2}
    finally:
        sealing.use(keyring_of_the_tests())


def _id(n: int) -> str:
    from tests.support.builders import national_id

    return national_id(100 + n)


async def test_another_process_takes_a_new_key_from_the_file_when_it_meets_it(tmp_path: Path) -> None:
    path = tmp_path / "usar-data.key"
    sealing.write_key_file(path, {1: sealing.new_key()}, new=True)
    now = [0.0]
    rotating, running = Keyring.from_file(path), Keyring.from_file(path, clock=lambda: now[0])
    sealing.write_key_file(path, {**rotating.keys, 2: sealing.new_key()})
    rotating.reload()
    sealed = rotating.seal_text(b"0551234567", b"beneficiaries.mobile")
    assert sealed.startswith("2:")
    assert running.open_text(sealed, b"beneficiaries.mobile") == b"0551234567"  # met: read at once
    other = Keyring.from_file(tmp_path / "usar-data.key", clock=lambda: now[0])
    sealing.write_key_file(path, {**rotating.keys, 3: sealing.new_key()})
    assert other.seal_text(b"x", b"p").startswith("2:")  # within the second: the key it read
    now[0] += sealing.RELOAD_SECONDS
    assert other.seal_text(b"x", b"p").startswith("3:")  # a second on: the new one
