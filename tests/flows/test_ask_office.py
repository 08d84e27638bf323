"""Ask the office, her side: what she writes that the bot cannot answer, a voice note, a photo or a document
reaches her office's staff as a thread; she adds to it until she goes back to the menu; her office's answers
reach her through the outbox. Staff of another office cannot open it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conversations.engine.engine import Engine
from conversations.engine.turn import Setup
from conversations.flows import all_flows
from core.channel import LARGEST_MEDIA, Media
from core.domain import StaffRole
from office import canteens, offices, threads
from office.errors import NotFound, Refused
from office.rights import OPERATOR, Actor
from storage import staff, tips
from storage.db import Database
from storage.kinds import Senders
from storage.models import Delivery, ThreadMessage
from tests.support.builders import girls_school, staff_person
from tests.support.people import Clock, Person, ar
from tests.support.reads import threads_of

VOICE = Media("voice", "AwACAgQAAxkBAAIBvoice", "audio/ogg", 48_000)
CERTIFICATE = Media("photo", "AgACAgQAAxkBAAIBphoto", "image/jpeg", 210_000)


async def test_words_not_understood_at_the_menu_go_to_her_office_with_a_voice_note_after(
    fatima: Person, database: Database, clock: Clock
) -> None:
    await fatima.registers()
    await fatima.says("ابي اكلم موظفة عن الدورة الجاية")
    assert "هل أرسله إلى مكتبك؟" in fatima.heard and fatima.options[0] == "أرسله إلى مكتبي"
    assert await threads_of(database) == []  # nothing sent before she chooses
    await fatima.chooses("أرسله إلى مكتبي")
    assert "وصل سؤالك إلى مكتب مكة المكرمة" in fatima.heard  # her words were not asked for again
    await fatima.sends(VOICE)
    assert "أُضيفت رسالتك إلى سؤالك" in fatima.heard
    await fatima.says("القائمة")
    assert ar("Main menu: what would you like to do?") in fatima.heard
    await fatima.chooses("التواصل مع مكتبي")
    assert "سؤالك إلى مكتب مكة المكرمة مفتوح" in fatima.heard  # leaving for the menu did not close it
    assert await threads_of(database) == [
        ("makkah", "trainings", "open", "family: ابي اكلم موظفة عن الدورة الجاية | family: voice")
    ]


async def test_a_photo_at_the_menu_is_offered_to_her_office_and_in_a_form_she_is_asked_to_type(
    fatima: Person, database: Database
) -> None:
    await fatima.registers()
    await fatima.sends(CERTIFICATE, caption="شهادتي الصحية الجديدة")
    assert "هل أرسله إلى مكتبك؟" in fatima.heard
    await fatima.chooses("لا، لا ترسله")
    assert await threads_of(database) == []
    assert ar("Nothing was sent to your office.") in fatima.heard
    assert ar("Main menu: what would you like to do?") in fatima.heard  # where she was
    await fatima.chooses("حسابي")
    await fatima.chooses("تعديل بياناتي")
    await fatima.sends(CERTIFICATE)
    assert "أستطيع قراءة الرسائل المكتوبة فقط" in fatima.heard  # inside a form: type, as before


async def test_a_question_from_the_canteens_screen_is_about_canteens(
    fatima: Person, database: Database, clock: Clock
) -> None:
    school = girls_school("ابتدائية مكة", clock.now + timedelta(days=10))
    await database.run(lambda s: canteens.publish(s, OPERATOR, school, clock.now))
    await fatima.registers()
    await fatima.chooses("فرص المقاصف")
    assert "ابتدائية مكة" in fatima.heard
    await fatima.sends(CERTIFICATE)
    await fatima.chooses("أرسله إلى مكتبي")
    [(office, topic, _, said)] = await threads_of(database)
    assert (office, topic, said) == ("makkah", "canteens", "family: photo")


async def test_someone_not_registered_is_asked_which_office_serves_her(
    fatima: Person, database: Database
) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses("التواصل مع مكتبي")
    assert fatima.options == ["مكة المكرمة", "الجموم", "جدة"]
    await fatima.chooses("جدة")
    assert "اكتبي سؤالك إلى مكتب جدة" in fatima.heard
    await fatima.says("متى يفتح التسجيل في المقاصف؟")
    assert "وصل سؤالك إلى مكتب جدة" in fatima.heard
    assert await threads_of(database) == [("jeddah", "other", "open", "family: متى يفتح التسجيل في المقاصف؟")]


async def test_a_file_too_large_to_open_is_refused_at_once(fatima: Person, database: Database) -> None:
    await fatima.registers()
    await fatima.chooses("التواصل مع مكتبي")
    await fatima.sends(
        Media("document", "BQACAgQAAxkBAAIBdoc", "application/pdf", LARGEST_MEDIA + 1, "ملف.pdf")
    )
    assert "هذا الملف أكبر من أن يفتحه مكتبك" in fatima.heard


async def test_she_is_told_when_her_office_is_closed_and_its_hours(
    fatima: Person, database: Database, clock: Clock
) -> None:
    hours = offices.read_hours("sun-thu 08:00-14:00")
    await database.run(lambda s: offices.edit(s, OPERATOR, "makkah", {"hours": hours}, clock.now))
    await fatima.registers()  # Saturday 28 November, 09:00 in Riyadh: closed on Saturdays
    await fatima.chooses("التواصل مع مكتبي")
    await fatima.says("عندي سؤال عن الشهادة الصحية")
    assert "المكتب مغلق الآن" in fatima.heard and "الأحد–الخميس" in fatima.heard


async def test_her_offices_answer_is_queued_for_her_and_another_office_cannot_open_it(
    fatima: Person, database: Database, clock: Clock
) -> None:
    await fatima.registers()
    await fatima.chooses("التواصل مع مكتبي")
    await fatima.says("كيف أجدد الشهادة الصحية؟")
    await database.run(lambda s: staff.add_or_update(s, "900", StaffRole.STAFF, "makkah", clock.now))
    await database.run(lambda s: staff.add_or_update(s, "901", StaffRole.STAFF, "jeddah", clock.now))
    [thread] = await database.run(lambda s: threads.inbox(s, Actor.staff("900")))
    assert thread.name == "فاطمة أحمد الزهراني" and thread.last_text == "كيف أجدد الشهادة الصحية؟"
    assert await database.run(lambda s: threads.inbox(s, Actor.staff("901"))) == []
    with pytest.raises(NotFound):
        await database.run(
            lambda s: threads.answer(s, Actor.staff("901"), thread.thread.id, "نعم", clock.now)
        )
    with pytest.raises(Refused):
        await database.run(
            lambda s: threads.answer(s, Actor.staff("900"), thread.thread.id, "   ", clock.now)
        )
    await database.run(
        lambda s: threads.answer(s, Actor.staff("900"), thread.thread.id, "من مركز الرعاية الصحية", clock.now)
    )
    await fatima.says("القائمة")
    await fatima.chooses("التواصل مع مكتبي")  # she comes back: her question is open, and was answered
    assert "آخر إجابة من مكتبك: من مركز الرعاية الصحية" in fatima.heard
    [queued] = await database.run(lambda s: s.scalars(select(Delivery)).all())
    assert (queued.kind, queued.thread_id) == ("reply", thread.thread.id)
    assert queued.payload["ar"] == "مكتبك (مكة المكرمة) يجيبك:\nمن مركز الرعاية الصحية"
    [(_, _, status, said)] = await threads_of(database)
    assert status == "open" and said.endswith("staff: من مركز الرعاية الصحية")


async def test_deleting_her_data_deletes_her_questions_and_her_files_references(
    fatima: Person, database: Database, clock: Clock
) -> None:
    await fatima.registers()
    await fatima.chooses("التواصل مع مكتبي")
    await fatima.sends(VOICE)
    await database.run(lambda s: staff.add_or_update(s, "900", StaffRole.STAFF, "makkah", clock.now))
    [listed] = await database.run(lambda s: threads.inbox(s, Actor.staff("900")))
    await database.run(lambda s: threads.answer(s, Actor.staff("900"), listed.thread.id, "وصلت", clock.now))
    await fatima.says("القائمة")
    await fatima.chooses("حسابي")
    await fatima.chooses("حذف بياناتي")
    await fatima.chooses("نعم، احذف كل شيء")
    assert await threads_of(database) == []
    assert await database.run(lambda s: s.scalars(select(ThreadMessage)).all()) == []
    assert await database.run(lambda s: s.scalars(select(Delivery)).all()) == []


async def test_she_says_yes_in_her_own_words_and_her_question_is_not_cut_or_lost(
    fatima: Person, database: Database
) -> None:
    await fatima.sends(VOICE)  # her very first message: welcomed, and her voice note offered, not lost
    assert "أهلاً بك في «أسر»" in fatima.heard and "هل أرسله إلى مكتبك؟" in fatima.heard
    await fatima.says("ايه")
    await fatima.chooses("مكة المكرمة")
    assert "وصل سؤالك إلى مكتب مكة المكرمة" in fatima.heard
    await fatima.says("١")  # a stray number is not added to her question
    await fatima.says("القائمة")
    await fatima.says("ومتى يردون علي؟")  # at the menu, with her question open: added to it
    assert "هل أضيف هذا إلى سؤالك لمكتب مكة المكرمة؟" in fatima.heard
    await fatima.says("ارسليه")
    assert "أُضيفت رسالتك إلى سؤالك" in fatima.heard  # not asked her office again
    await fatima.says("إلغاء")
    assert "يبقى سؤالك لدى مكتبك" in fatima.heard
    assert await threads_of(database) == [
        ("makkah", "other", "open", "family: voice | family: ومتى يردون علي؟")
    ]


async def test_a_photo_with_a_caption_in_a_form_is_not_taken_for_her_answer(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses("تسجيل أسرتي")
    await fatima.sends(CERTIFICATE, caption="هذي صورة هويتي")
    assert "أستطيع قراءة الرسائل المكتوبة فقط" in fatima.heard and "ما اسمك الكامل؟" in fatima.heard
    await fatima.says("فاطمة أحمد الزهراني")
    assert "ما رقم هويتك الوطنية" in fatima.heard


async def test_a_file_too_large_in_her_open_question_is_refused_and_not_added(
    fatima: Person, database: Database
) -> None:
    await fatima.registers()
    await fatima.chooses("التواصل مع مكتبي")
    await fatima.says("عندي سؤال عن الشهادة")
    await fatima.sends(Media("document", "BQACAgQAAxkBAAIBbig", "application/pdf", LARGEST_MEDIA + 1))
    assert "هذا الملف أكبر من أن يفتحه مكتبك" in fatima.heard and "أُضيفت" not in fatima.heard
    assert await threads_of(database) == [("makkah", "other", "open", "family: عندي سؤال عن الشهادة")]


async def test_a_question_typed_on_the_canteens_screen_is_offered_about_canteens(
    fatima: Person, database: Database, clock: Clock
) -> None:
    school = girls_school("ابتدائية مكة", clock.now + timedelta(days=10))
    await database.run(lambda s: canteens.publish(s, OPERATOR, school, clock.now))
    await fatima.registers()
    await fatima.chooses("فرص المقاصف")
    await fatima.says("كم الايجار اللي ادفعه للمدرسة؟")
    await fatima.says("نعم")
    [(_, topic, _, said)] = await threads_of(database)
    assert (topic, said) == ("canteens", "family: كم الايجار اللي ادفعه للمدرسة؟")


async def test_a_question_asked_before_she_registered_is_her_familys_once_she_does(
    fatima: Person, database: Database
) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses("التواصل مع مكتبي")
    await fatima.chooses("مكة المكرمة")
    await fatima.says("كيف أسجل أسرتي؟")
    [listed] = await database.run(lambda s: threads.inbox(s, OPERATOR))
    assert listed.name == ""  # nobody known yet
    await fatima.says("القائمة")
    await fatima.registers()
    [listed] = await database.run(lambda s: threads.inbox(s, OPERATOR))
    assert listed.name == "فاطمة أحمد الزهراني"  # her family, named in the inbox


async def test_a_second_long_wait_is_told_again_and_a_reopened_question_waits_from_her_unanswered_message(
    fatima: Person, database: Database, clock: Clock
) -> None:
    await fatima.registers()
    await fatima.chooses("التواصل مع مكتبي")
    await fatima.says("سؤالي الأول")
    await database.run(lambda s: staff.add_or_update(s, "900", StaffRole.STAFF, "makkah", clock.now))
    [listed] = await database.run(lambda s: threads.inbox(s, OPERATOR))
    thread = listed.thread.id
    clock.advance(hours=9)
    assert await database.run(lambda s: threads.remind_unanswered(s, clock.now)) == 1
    await database.run(lambda s: threads.answer(s, Actor.staff("900"), thread, "وصل", clock.now))
    await fatima.says("وسؤال آخر")  # a new wait begins
    clock.advance(hours=9)
    assert await database.run(lambda s: threads.remind_unanswered(s, clock.now)) == 1
    reminders = select(Delivery).where(Delivery.kind == "staff_reminder")
    assert len(await database.run(lambda s: s.scalars(reminders).all())) == 2  # told of each wait
    await database.run(lambda s: threads.close(s, Actor.staff("900"), thread, clock.now))
    await database.run(lambda s: threads.reopen(s, Actor.staff("900"), thread, clock.now))
    [listed] = await database.run(lambda s: threads.inbox(s, OPERATOR))
    assert listed.thread.waiting_since == clock.now - timedelta(hours=9)  # her unanswered message still waits


async def test_a_long_question_is_kept_whole_for_her_office(fatima: Person, database: Database) -> None:
    await fatima.registers()
    question = "السلام عليكم، " + "عندي استفسار طويل عن المقصف والدورة والشهادة الصحية. " * 110
    assert len(question) > 5_700  # longer than a message we read as an answer
    await fatima.says(question)
    assert ar("Your message is long, so I cannot take it as an answer here. I kept it as you wrote it.") in (
        fatima.heard
    )
    await fatima.chooses("أرسله إلى مكتبي")
    assert "وصل سؤالك إلى مكتب مكة المكرمة" in fatima.heard
    [(_office, _topic, _status, said)] = await threads_of(database)
    assert said == f"family: {question.strip()}"  # whole, not cut


async def test_a_question_sent_from_a_quiz_takes_her_back_to_the_quiz(
    fatima: Person, database: Database
) -> None:
    await database.run(tips.load_shipped)
    await fatima.registers()
    await fatima.chooses(ar("Food-safety tips"))
    await fatima.says("الحفاظ على النظافة")
    await fatima.chooses(ar("Take the quiz"))
    question = fatima.heard
    await fatima.says("متى يصرفون الضمان هالشهر")  # nothing the bot knows: offered to her office
    await fatima.says("ايه ارسليه")
    assert ar("Your question reached %(office)s. A person will answer you here.", office="مكة المكرمة") in (
        fatima.heard
    )
    assert fatima.heard.endswith(question)  # back at the quiz's question
    await fatima.says("الثاني")  # her answer to it, not more words for her office
    assert fatima.heard.startswith("✅")
    [(_office, _topic, _status, said)] = await threads_of(database)
    assert said == "family: متى يصرفون الضمان هالشهر"


async def test_a_question_during_her_registration_goes_to_the_office_she_named_in_it(
    fatima: Person, database: Database
) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses(ar("Register my family"))
    for answer in ("فاطمة أحمد الزهراني", "1000000008", "0551234567", "الجموم"):
        await fatima.says(answer)
    products = fatima.heard
    await fatima.says("متى يصرفون الدعم للاسر؟")  # at "what does your family make?": a question of hers
    await fatima.chooses("أرسله إلى مكتبي")
    assert "وصل سؤالك إلى مكتب الجموم" in fatima.heard  # not asked again which office serves her
    assert fatima.heard.endswith(products)  # and back at her registration's question
    [(office, _topic, _status, _said)] = await threads_of(database)
    assert office == "jumum"


async def test_in_the_staff_chat_an_answer_whatsapp_will_not_carry_is_said_not_to_reach_her(
    database: Database, clock: Clock
) -> None:
    senders = Senders(frozenset({"telegram", "whatsapp"}))  # WhatsApp set up, with no template for answers
    engine = Engine(database, all_flows(), setup=Setup(senders=senders))
    asker = threads.Asker("whatsapp", "+966500000001", "makkah")
    await database.run(lambda s: threads.ask(s, asker, "other", [threads.Said("هل وصل طلبي؟")], clock.now))
    asker = threads.Asker("telegram", "5550002", "makkah")
    await database.run(lambda s: threads.ask(s, asker, "other", [threads.Said("وطلبي؟")], clock.now))
    amal = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "900")
    await amal.says("hello")
    await amal.chooses("Questions from families")
    await amal.chooses(next(option for option in amal.options if "هل وصل طلبي؟" in option))
    await amal.says("نعم، وصل طلبك")
    assert "it cannot reach her: she last wrote on WhatsApp more than 24 hours ago" in amal.heard
    assert "Your answer is on its way to her." not in amal.heard
    await amal.chooses("Back to the questions")
    await amal.chooses(next(option for option in amal.options if "وطلبي؟" in option))
    await amal.says("نعم")
    assert "Your answer is on its way to her." in amal.heard  # on Telegram it goes
