"""Food-safety tips: browsing a topic, a quiz with immediate feedback, the daily tip at her hour (the clock
in the test's hands), once a day and never a tip she has seen until she has seen them all; useful services."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dates import spoken_hour
from handlers.terminal import render
from office import content as content_files
from office import tips as daily_tips
from office.errors import RejectedFile
from office.rights import OPERATOR
from storage import beneficiaries, tips
from storage.db import Database
from storage.models import Delivery, QuizResult, Tip
from tests.support.builders import DATA
from tests.support.people import Clock, Person, ar

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


async def library(database: Database) -> None:
    await database.run(lambda s: tips.load_shipped(s, DATA / "tips.toml", DATA / "services.toml"))


async def tip_deliveries(database: Database) -> list[tuple[int | None, int, str]]:
    rows = await database.run(
        lambda s: s.execute(
            select(Delivery.beneficiary_id, Delivery.source_id, Delivery.payload)
            .where(Delivery.kind == "tip")
            .order_by(Delivery.id)
        ).all()
    )
    return [(family, day, payload["en"].split("\n\n")[1]) for family, day, payload in rows]


async def test_she_reads_a_topic_and_takes_its_quiz(database: Database, mary: Person) -> None:
    await library(database)
    await mary.registers(language="en")
    await mary.chooses("Food-safety tips")
    assert mary.options[:2] == ["Keep clean", "Cook thoroughly"]
    await mary.chooses("Keep clean")
    assert "Keep clean (1 of 2)" in mary.heard and "Wash your hands before handling food." in mary.heard
    assert "Source: WHO, Five Keys to Safer Food (2006), key 1" in mary.heard
    await mary.chooses("Next tip")
    assert "That was the last tip on this topic. Would you like a short quiz?" in mary.heard
    await mary.chooses("Take the quiz")
    assert "Question 1 of 3: When should you wash your hands?" in mary.heard
    await mary.says("2")
    assert "✅ Right! Hands carry germs to food." in mary.heard
    await mary.chooses("Nothing")
    assert "❌ Not quite. The right answer: Surfaces and equipment." in mary.heard
    await mary.presses("quiz:clean-q1:2")  # an old button, from the first question
    assert "Question 3 of 3" in mary.heard
    await mary.says("٢")
    assert "You got 2 of 3: passed ✅" in mary.heard
    results = await database.run(lambda s: s.execute(select(QuizResult.score, QuizResult.passed)).all())
    assert [tuple(row) for row in results] == [(2, True)]
    assert await database.run(lambda s: tips.passed_topics(s, 1)) == {"clean"}


async def test_after_a_failed_quiz_she_can_take_it_again_or_read_the_tips(
    database: Database, mary: Person
) -> None:
    await library(database)
    await mary.registers(language="en")
    await mary.chooses("Food-safety tips")
    await mary.chooses("Keep clean")
    await mary.chooses("Take the quiz")
    for wrong in ("1", "Nothing", "1"):
        await mary.says(wrong)
    assert "Read the tips of this topic again and try once more." in mary.heard
    assert mary.options[:2] == ["Read its tips again", "Take the quiz again"]
    await mary.chooses("Take the quiz again")
    assert "Question 1 of 3: When should you wash your hands?" in mary.heard
    for right in ("2", "Surfaces and equipment", "2"):
        await mary.says(right)
    assert "You got 3 of 3: passed ✅" in mary.heard
    assert await database.run(lambda s: tips.passed_topics(s, 1)) == {"clean"}


async def test_the_daily_tip_comes_at_her_hour_once_a_day_and_never_repeats_until_all_are_seen(
    database: Database, clock: Clock, fatima: Person, mary: Person
) -> None:
    await library(database)
    await fatima.registers()
    await mary.registers(national_id="1000000016", mobile="0551234568", language="en")
    clock.now = clock.now.replace(hour=6)  # 09:00 in Riyadh
    await fatima.chooses(ar("Food-safety tips"))
    await fatima.chooses(ar("🔔 Daily tip: off"))
    await fatima.says("١٠:٠٠")  # 10:00 Riyadh time
    assert ar("Done: a tip every day at %(hour)s:00, Riyadh time.", hour="10") in fatima.heard

    async def tick(**later: float) -> int:
        clock.advance(**later)
        return int(await database.run(lambda s: daily_tips.send_due(s, clock.now)))

    assert await tick(minutes=30) == 0  # 09:30: not yet
    assert await tick(minutes=30) == 1  # 10:00
    assert await tick(minutes=5) == 0  # not twice the same day
    assert await tick(hours=24) == 1
    assert await tick(hours=24) == 1  # the library has three tips: now she has seen them all …
    assert await tick(hours=24) == 1  # … and a new round starts
    sent = await tip_deliveries(database)
    assert [text for _, _, text in sent] == [
        "Wash your hands before handling food.",
        "Wash and sanitize all surfaces and equipment used for food preparation.",
        "Cook food thoroughly, especially meat, poultry and eggs.",
        "Wash your hands before handling food.",
    ]
    assert {family for family, _, _ in sent} == {1}  # Mary did not subscribe
    assert len({day for _, day, _ in sent}) == 4  # one a day

    # She stops messages: no tip, and the tip she would have had waits for her.
    await database.run(lambda s: beneficiaries.set_opted_out(s, 1, clock.now))
    assert await tick(hours=24) == 0
    await fatima.says("start")
    assert await tick(hours=24) == 1

    await fatima.says("القائمة")
    await fatima.chooses(ar("Food-safety tips"))
    await fatima.chooses(ar("🔔 Daily tip: at %(hour)s:00", hour="10"))
    await fatima.chooses(ar("Stop daily tips"))
    assert await tick(hours=24) == 0


async def test_subscribing_after_her_hour_starts_tomorrow(
    database: Database, clock: Clock, mary: Person
) -> None:
    await library(database)
    await mary.registers(language="en")
    clock.now = clock.now.replace(hour=12)  # 15:00 in Riyadh
    await mary.chooses("Food-safety tips")
    await mary.chooses("Daily tip: off")
    await mary.says("25:00")
    assert "I could not read that as an hour. Type one like 9, 4 pm or noon." in mary.heard
    await mary.says("٨:٠٠")  # a time typed, in Arabic digits
    assert "Done: a tip every day at 08:00, Riyadh time." in mary.heard
    await mary.chooses("Daily tip: at 08:00")
    await mary.says("10")  # a bare hour
    assert "Done: a tip every day at 10:00, Riyadh time." in mary.heard
    assert await database.run(lambda s: daily_tips.send_due(s, clock.now)) == 0
    clock.advance(hours=19)  # 10:00 the next day
    assert await database.run(lambda s: daily_tips.send_due(s, clock.now)) == 1


async def test_useful_services_and_loading_keeps_staff_changes(database: Database, mary: Person) -> None:
    await library(database)
    await mary.registers(language="en")
    await mary.chooses("Useful services")
    assert "🏢 Your social-security office" in mary.heard and "How: Visit your office." in mary.heard

    def edit_and_reload(session: Session) -> int:
        tip = session.get(Tip, "clean-01")
        assert tip is not None
        tip.text_en = "Edited by staff."
        return tips.load_shipped(session, DATA / "tips.toml", DATA / "services.toml")

    assert await database.run(edit_and_reload) == 0
    edited = await database.run(lambda s: tips.tips_of(s, "clean")[0].text_en)
    assert edited == "Edited by staff."


async def test_staff_export_tips_edit_and_import_them_back(database: Database, tmp_path: Path) -> None:
    await library(database)
    exported = tmp_path / "tips.csv"
    with exported.open("w", encoding="utf-8", newline="") as out:
        assert await database.run(lambda s: content_files.export_tips(s, out)) == 3
    text = exported.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "id,topic,ar,en,source,source_ar,retired"
    edited = text.replace("Cook food thoroughly", "Cook food well").replace(
        '"WHO, Five Keys to Safer Food (2006), key 3",,', '"WHO, Five Keys to Safer Food (2006), key 3",,yes'
    )
    edited += "cook-02,cook,لا تتركي الطعام المطبوخ خارج الثلاجة طويلاً.,Do not leave cooked food out long.,"
    edited += "WHO,منظمة الصحة العالمية,\n"
    exported.write_text(edited, encoding="utf-8")
    assert await database.run(lambda s: content_files.import_tips(s, OPERATOR, exported, NOW)) == (1, 3)
    cook = await database.run(lambda s: [(t.id, t.text_en) for t in tips.tips_of(s, "cook")])
    assert cook == [("cook-02", "Do not leave cooked food out long.")]  # cook-01 is retired

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,topic,ar,en,source,retired\n"
        "Clean 9,clean,نص,text,WHO,\n"
        "clean-09,bakery,نص,text,WHO,\n"
        "clean-10,clean,text,نص,,\n"
        "clean-01,clean,نص,text,WHO,\n"
        "clean-01,clean,نص,text,WHO,\n",
        encoding="utf-8",
    )
    with pytest.raises(RejectedFile) as rejected:
        await database.run(lambda s: content_files.import_tips(s, OPERATOR, bad, NOW))
    assert rejected.value.problems == [
        "line 2: id: lowercase letters, digits, - and _, up to 32",
        "line 3: topic: unknown 'bakery'; the topics are: clean, cook",
        "line 4: source: empty",
        "line 4: ar: no Arabic in it",
        "line 4: en: Arabic in the English text",
        "line 6: the same id as line 5",
    ]
    unchanged = await database.run(lambda s: tips.tips_of(s, "clean")[0].text_en)
    assert unchanged == "Wash your hands before handling food."


OPEN = list(range(8, 22))  # outside the quiet hours 22:00–08:00


@pytest.mark.parametrize(
    ("typed", "hour"),
    [
        ("٩", 9),
        ("الساعة ٥", 17),  # 05:00 is in the quiet hours: she means the afternoon
        ("٤ العصر", 16),
        ("بعد العصر", 16),
        ("الظهر", 12),
        ("٩ ونص", 9),  # tips go on the hour: the hour it starts
        ("٧ المغرب", 19),
        ("8 الصبح", 8),
        ("at 9", 9),
        ("4 pm", 16),
        ("noon", 12),
        ("9", 9),
        ("09:00", 9),
        ("٨:٠٠", 8),
        ("٩ صباحاً", 9),
        ("4 عصراً", 16),
        ("8 مساءً", 20),
        ("8pm", 20),
        ("12 ظهراً", 12),
        ("الساعة تسعة", 9),
        ("١٠ بالليل", 22),  # read, and outside the hours tips may come at
        ("12 am", 0),
        ("٣ الفجر", 3),
        ("23:00", 23),
        ("25:00", None),
        ("9 صباحا مساء", None),
        ("٩ ولا ١٠", None),
        ("بكرة", None),
        ("بعد صلاة العشاء", 21),  # a prayer named with «صلاة»
        ("بعد صلاه المغرب", 19),
        ("قبل المغرب", 17),
        ("قبل ٩", None),  # before a clock hour: which one is not said
    ],
)
def test_an_hour_typed_in_her_words(typed: str, hour: int | None) -> None:
    assert spoken_hour(typed, OPEN) == hour


async def test_on_the_hour_screen_a_number_is_an_hour_and_quiet_hours_are_explained(
    database: Database, fatima: Person
) -> None:
    await library(database)
    await fatima.registers()
    await fatima.chooses(ar("Food-safety tips"))
    await fatima.chooses(ar("🔔 Daily tip: off"))
    assert fatima.replies[-1].numbered is False and "• 09:00" in render(fatima.replies[-1])
    await fatima.says("٣ الفجر")
    quiet = "At %(hour)s:00 we send nothing: those are the quiet hours. Tips can come from %(first)s to "
    quiet += "%(last)s."
    assert ar(quiet, hour="03", first="08:00", last="21:00") in fatima.heard
    await fatima.says("بكرة")
    assert ar("I could not read that as an hour. Type one like 9, 4 pm or noon.") in fatima.heard
    await fatima.says("٤")  # the fourth option would be 20:00: here it is four o'clock, in the afternoon
    assert ar("Done: a tip every day at %(hour)s:00, Riyadh time.", hour="16") in fatima.heard
    await fatima.chooses(ar("🔔 Daily tip: at %(hour)s:00", hour="16"))
    await fatima.says("بعد المغرب")
    assert ar("Done: a tip every day at %(hour)s:00, Riyadh time.", hour="19") in fatima.heard
    assert ar("Tips come on the hour, so yours comes at %(hour)s:00.", hour="19") not in fatima.heard
    await fatima.chooses(ar("🔔 Daily tip: at %(hour)s:00", hour="19"))
    await fatima.says("٩ ونص")  # said, not silently dropped
    assert ar("Tips come on the hour, so yours comes at %(hour)s:00.", hour="09") in fatima.heard


async def test_the_daily_tip_names_its_source_in_her_language(database: Database) -> None:
    await database.run(lambda s: tips.load_shipped(s))
    tip = await database.run(lambda s: s.get(Tip, "clean-01"))
    assert tip is not None
    told = daily_tips.message(tip).texts
    assert "المصدر: منظمة الصحة العالمية، دليل المفاتيح الخمسة" in told["ar"] and "WHO" not in told["ar"]
    assert "Source: WHO, Five Keys to Safer Food Manual (2006)" in told["en"]
