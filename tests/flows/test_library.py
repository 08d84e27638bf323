"""Answers from the library: a question she writes at the menu is answered from the food-safety tips, the
useful services, her trainings and her office's details, saying where the answer comes from; she says
whether it helped, and "no" sends her words, as she wrote them, to her office. A question nothing answers
plainly is offered to her office at once. While her office has answered her question, what no screen
understands is her reply to it, wherever she is."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from office import event_notices, threads
from office import events as office_events
from office.rights import OPERATOR
from storage import events, tips
from storage.audiences import Audience
from storage.db import Database
from tests.support.builders import FORUM
from tests.support.people import Clock, Person, ar
from tests.support.reads import threads_of

THAWING = "لا تذيبي الطعام المجمد في حرارة الغرفة؛ ذوّبيه في الثلاجة."
WEEK = timedelta(days=7)
OFFERED = "I could not answer this myself. Shall I send it to your office? A person will answer you here."


async def test_a_food_safety_question_is_answered_from_the_tips_and_no_sends_her_words_to_her_office(
    fatima: Person, database: Database
) -> None:
    await database.run(tips.load_shipped)
    await fatima.registers()
    await fatima.says("كيف اذوب اللحم المجمد؟ اطلعه على الرخام؟")
    assert THAWING in fatima.heard
    assert (
        ar("From the food-safety tips (%(topic)s):", topic="درجات الحرارة الآمنة ومنطقة الخطر")
        in fatima.heard
    )
    assert ar("Did this answer your question?") in fatima.heard
    assert fatima.options == [ar("Yes, thank you"), ar("No, it did not")]
    assert await threads_of(database) == []  # nothing reaches her office unless she says so

    await fatima.says("ايه")
    assert ar("Glad to help.") in fatima.heard
    assert ar("Main menu: what would you like to do?") in fatima.heard  # back where she asked

    for question, tip in (
        ("كيف اسخن الاكل البايت؟", "إذا أعدتِ تسخين طعام مطبوخ، فسخّنيه جيدًا حتى تصل الحرارة إلى كل أجزائه."),
        ("وين احط اللحم النيء بالثلاجه؟", "ضعي اللحم النيء في الثلاجة داخل وعاء مغلق"),
    ):
        await fatima.says(question)
        assert tip in fatima.heard, question
        await fatima.says("نعم")

    await fatima.says("كيف اذوب اللحم المجمد؟ اطلعه على الرخام؟")
    await fatima.says("لا")  # it did not help: her words, as she wrote them, are offered to her office
    assert ar(OFFERED) in fatima.heard
    assert await threads_of(database) == []  # nothing is sent until she says so
    await fatima.says("نعم")
    assert "وصل سؤالك إلى مكتب مكة المكرمة" in fatima.heard
    assert await threads_of(database) == [
        ("makkah", "other", "open", "family: كيف اذوب اللحم المجمد؟ اطلعه على الرخام؟")
    ]


async def test_when_is_the_next_training_is_answered_from_her_invitations(
    fatima: Person, database: Database, clock: Clock
) -> None:
    await database.run(
        lambda s: events.create(s, FORUM, Audience(offices=("makkah",)), clock.now, "900", clock.now)
    )
    await fatima.registers()
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    await fatima.says("متى الدوره الجايه؟")
    assert ar("From your trainings: the next one is %(title)s.", title="ملتقى الأسر المنتجة") in fatima.heard
    assert "📍" in fatima.heard  # where it is, not only when

    # A later training she is coming to, and the forum declined: her next training is the one she comes to.
    sweets = replace(FORUM, title_ar="دورة الحلويات", title_en="Sweets", starts_at=FORUM.starts_at + WEEK)
    later = await database.run(
        lambda s: events.create(s, sweets, Audience(offices=("makkah",)), clock.now, "900", clock.now).id
    )
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    await database.run(lambda s: office_events.answer_invitation(s, 1, 1, False, clock.now))
    await database.run(lambda s: office_events.answer_invitation(s, 1, later, True, clock.now))
    await fatima.says("نعم")
    await fatima.says("متى دورتي الجايه؟")
    assert ar("From your trainings: the next one is %(title)s.", title="دورة الحلويات") in fatima.heard


async def test_a_question_nothing_answers_plainly_is_offered_to_her_office_at_once(
    fatima: Person, database: Database
) -> None:
    await database.run(tips.load_shipped)
    await fatima.registers()
    for question in (
        "متى ينزل الضمان هالشهر؟",
        "كيف اطلع شهادة صحيه وكم تكلف؟",
        "ابي موعد مع الباحثه الاجتماعيه",
    ):
        await fatima.says(question)
        assert ar(OFFERED) in fatima.heard, question
        assert ar("Did this answer your question?") not in fatima.heard
        await fatima.says("لا، لا ترسله")
        assert ar("Nothing was sent to your office.") in fatima.heard


async def test_her_reply_to_her_offices_answer_is_taken_on_any_screen(
    fatima: Person, database: Database, clock: Clock
) -> None:
    await fatima.registers()
    await fatima.says("ابي اكلم موظفة عن الدورة الجاية")
    await fatima.chooses("أرسله إلى مكتبي")
    thread = await database.run(lambda s: threads.open_thread(s, "terminal", fatima.address))
    assert thread is not None
    await database.run(lambda s: threads.answer(s, OPERATOR, thread.id, "سنتصل بك", clock.now))
    await fatima.says("القائمة")
    await fatima.chooses(ar("My account"))
    await fatima.says("متى بتتصلون")  # in "My account", which reads only its options
    assert ar("Please choose one of the options below.") not in fatima.heard
    assert ar("Added to your question to %(office)s.", office="مكة المكرمة") in fatima.heard
    assert ar("Delete my data") in fatima.options  # and back in My account, where she wrote it
    said = (await threads_of(database))[0][3]
    assert said.endswith("family: متى بتتصلون")
    await database.run(tips.load_shipped)
    await fatima.says("القائمة")
    await fatima.says("كيف اسخن الاكل البايت؟")  # a question the library answers: not added to her question
    assert "إذا أعدتِ تسخين طعام مطبوخ" in fatima.heard
    assert (await threads_of(database))[0][3] == said
