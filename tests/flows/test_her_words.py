"""Her own words, as a woman in Makkah writes them: at the menu they reach the screen the tap would; a yes or
a no is understood as people say them; a value inside a sentence fills the question; saying "no" to the
office's offer takes her back where she was with nothing lost; and the set of everyday utterances is read
right at least as often as it was (the floor)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from conversations.engine.engine import Engine
from core.channel import Channel
from office import canteens as canteen_actions
from office import event_notices, registrations
from office.rights import OPERATOR
from storage import beneficiaries, canteens, deliveries, events, tips
from storage.audiences import Audience
from storage.db import Database
from tests.support.builders import FORUM, START, girls_school
from tests.support.people import Clock, Person, ar
from tests.support.reads import guest_statuses
from tests.support.utterances import UNSEEN, judge, reach, utterances

# The set's figures when this floor was set: a change that reads fewer right, or takes one irreversible
# step she did not ask for, fails here (bench/understanding.py shows which utterances it misses).
FLOOR = 0.95  # the target (96.5 % when it was set)
UNSEEN_FLOOR = 0.87  # the set written after the tuning (88 % when it was first read, 89 % since)
STOPPED = (
    "You will no longer receive announcements, tips and invitations to trainings. You can still write to us "
    "at any time; send “start” to receive them again."
)
UNSURE = "I could not tell whether that is a yes or a no. Please choose one of the answers below."
HELP = (
    "You can type the number of an option or its words. At any time: “menu” for the main menu, “cancel” to "
    "stop what you are doing, “back” for the previous question, “language” to switch between Arabic and "
    "English, “help” for this message."
)
OFFERED = "I could not answer this myself. Shall I send it to your office? A person will answer you here."


async def same_as_tapping(person: Person, label: str, words: str) -> None:
    """Her words at the menu lead where tapping `label` does."""
    await person.chooses(ar(label))
    tapped = person.heard
    await person.says("القائمة")
    await person.says(words)
    assert person.heard == tapped, words


def neighbour(fatima: Person) -> Person:
    """Another woman writing in Arabic."""
    return Person(fatima.engine, fatima.clock, address="966500000009")


async def test_at_the_menu_her_words_reach_the_screen_a_tap_would(fatima: Person) -> None:
    mary = neighbour(fatima)
    await mary.says("مرحبا")
    await mary.says("ابغى اسجل")
    assert ar("What is your full name?") in mary.heard
    huda = Person(fatima.engine, fatima.clock, address="966500000010")
    await huda.says("السلام عليكم ابغى اسجل")  # her very first message
    assert "وعليكم السلام" in huda.heard and ar("What is your full name?") in huda.heard
    await fatima.registers()
    await same_as_tapping(fatima, "Trainings", "ابي اشوف الدورات")
    await same_as_tapping(fatima, "Canteen opportunities", "وش عندكم مقاصف")
    await same_as_tapping(fatima, "Canteen opportunities", "مقاصف")
    await same_as_tapping(fatima, "Useful services", "الخدمات")
    await same_as_tapping(fatima, "Trainings", "الاول")
    await same_as_tapping(fatima, "Canteen opportunities", "رقم ٣")
    await fatima.says("القائمة")
    await fatima.says("ابي اغير رقم جوالي")
    assert ar("What is your mobile number?") in fatima.heard  # her details, with her mobile asked at once
    assert ar(OFFERED) not in fatima.heard
    await fatima.says("القائمة")
    await fatima.says("ابي اعرف متى يتوثق تسجيلي")  # registered already: where her registration stands
    assert ar("Your family is registered already.") in fatima.heard
    assert ar("Verified by your office: %(value)s", value=ar("Not yet")) in fatima.heard


async def test_a_yes_alone_news_and_no_such_quiz_answer_are_not_questions_for_her_office(
    database: Database, fatima: Person
) -> None:
    await database.run(tips.load_shipped)
    await fatima.registers()
    await fatima.says("طيب")  # at the menu, where nothing was asked
    assert ar("Please choose one of the options below.") in fatima.heard
    assert ar(OFFERED) not in fatima.heard
    await fatima.says("طلعت الشهاده الصحيه الحمدلله ابي اضيفها")  # news for her office, not a question
    assert "من نصائح سلامة الغذاء" not in fatima.heard and ar(OFFERED) in fatima.heard
    await fatima.says("لا")
    for said in ("نصائح سلامة الغذاء", "الحفاظ على النظافة", "اختبار", "اربعين"):  # no answer is forty
        await fatima.says(said)
    assert ar("Please choose one of the answers below.") in fatima.heard
    assert ar(OFFERED) not in fatima.heard
    await fatima.says(
        "اغسلها بس بالموية من غير صابون"
    )  # none of the answers, at length: still not a question
    assert ar("Please choose one of the answers below.") in fatima.heard
    assert ar(OFFERED) not in fatima.heard
    await fatima.says("👍")  # a thumb where nothing asks yes or no
    assert ar(OFFERED) not in fatima.heard


async def test_she_answers_will_you_attend_as_she_says_it(
    database: Database, fatima: Person, clock: Clock
) -> None:
    mary = neighbour(fatima)
    number = await database.run(
        lambda s: events.create(s, FORUM, Audience(offices=("makkah",)), clock.now, "900", clock.now).id
    )
    for person, mobile in ((fatima, "0551234567"), (mary, "0551234568")):
        await person.registers(national_id="1000000008" if person is fatima else "1000000016", mobile=mobile)
        await database.run(lambda s: event_notices.invite_due(s, clock.now))
        await person.chooses(ar("Trainings"))
        await person.says("1")
    await fatima.says("ان شاء الله")
    await mary.says("لا والله ما اقدر")
    going = await guest_statuses(database, number)
    assert sorted(going.values()) == ["going", "not_going"]
    assert clock.now < START
    await fatima.says("رجوع")  # the screen's own way back: the trainings, not the menu
    assert any("ملتقى الأسر المنتجة" in option for option in fatima.options)
    assert ar("Main menu: what would you like to do?") not in fatima.heard


async def test_a_maybe_is_asked_plainly_and_a_not_that_says_nothing_against_is_no_no(
    database: Database, fatima: Person, clock: Clock
) -> None:
    mary = neighbour(fatima)
    number = await database.run(
        lambda s: events.create(s, FORUM, Audience(offices=("makkah",)), clock.now, "900", clock.now).id
    )
    for person, mobile in ((fatima, "0551234567"), (mary, "0551234568")):
        await person.registers(national_id="1000000008" if person is fatima else "1000000016", mobile=mobile)
        await database.run(lambda s: event_notices.invite_due(s, clock.now))
        await person.chooses(ar("Trainings"))
        await person.says("1")
    await fatima.says("ما اظن")  # "I don't think so": neither her yes nor her no
    assert ar(UNSURE) in fatima.heard and ar(OFFERED) not in fatima.heard
    assert set((await guest_statuses(database, number)).values()) <= {"invited"}
    await fatima.says("ما عندي شي ذاك اليوم بجي")  # "I have nothing on that day, I'll come"
    await mary.says("عندي ظرف ما راح اقدر احضر")  # "something came up, I won't be able to come"
    assert await guest_statuses(database, number) == {1: "going", 2: "not_going"}


async def test_her_wishes_with_a_slip_of_the_finger_a_keycap_or_a_polite_question(fatima: Person) -> None:
    for number, (said, heard) in enumerate(
        (
            ("ابي اسحل", "What is your full name?"),  # «ح» for «ج»: the keys side by side
            ("1️⃣", "What is your full name?"),  # the keycap WhatsApp offers for a digit
            ("مساء الخير، كيف اقدر اسجل كأسرة منتجة؟", "What is your full name?"),
            ("وش اسوي؟ ما فهمت", HELP),
        ),
        start=20,
    ):
        her = Person(fatima.engine, fatima.clock, address=f"9665000000{number}")
        await her.says("مرحبا")
        await her.says(said)
        assert ar(heard) in her.heard, said
        assert ar(OFFERED) not in her.heard
    await fatima.registers()
    await same_as_tapping(fatima, "Trainings", "الدوراة")  # a misspelt ending
    await same_as_tapping(fatima, "Useful services", "ابي الخدمات اللي تفيد الاسر المنتجه")


async def test_back_in_her_own_words_inside_her_registration(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses(ar("Register my family"))
    await fatima.says("اكتبوا اسمي منيره سعيد الثبيتي")  # her name, after "write my name"
    assert ar("What is your national ID number (10 digits)?") in fatima.heard
    await fatima.says("ابي ارجع للسؤال اللي قبل")
    assert ar("What is your full name?") in fatima.heard
    assert ar(OFFERED) not in fatima.heard
    await fatima.says("نفسه")  # "the same": her name as she gave it
    assert ar("What is your national ID number (10 digits)?") in fatima.heard


async def test_her_yes_right_after_an_invitation_answers_it_wherever_she_is(
    database: Database, fatima: Person, clock: Clock
) -> None:
    number = await database.run(
        lambda s: events.create(s, FORUM, Audience(offices=("makkah",)), clock.now, "900", clock.now).id
    )
    await fatima.registers()
    await fatima.chooses(ar("My account"))  # her screen: My account, which has no yes or no
    clock.advance(minutes=10)
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    await database.run(lambda s: sent_to_her(s, fatima, clock))  # the invitation reaches her phone
    await fatima.says("ايه ان شاء الله بجي")
    assert await guest_statuses(database, number) == {1: "going"}
    assert ar("Delete my data") in fatima.options  # and My account again, where she was
    await fatima.says("ايه")  # the invitation was answered: this «ايه» is read where she is
    assert await guest_statuses(database, number) == {1: "going"}


async def test_her_no_to_coming_answers_the_invitation_after_a_thank_you(
    database: Database, fatima: Person, clock: Clock
) -> None:
    number = await invited_on_her_phone(database, fatima, clock)
    await fatima.says("ما اظن")  # right under the invitation, neither yes nor no: the training, to choose
    assert ar(UNSURE) in fatima.heard and ar("❌ Not going") in fatima.options
    assert await guest_statuses(database, number) == {1: "invited"}
    await fatima.says("القائمة")
    await fatima.says("شكرا")
    clock.advance(hours=2)
    await fatima.says("عندي ظرف ما راح اقدر احضر")  # about coming: the invitation's, not her office's
    assert await guest_statuses(database, number) == {1: "not_going"}
    assert ar(OFFERED) not in fatima.heard
    clock.advance(days=1)
    assert clock.now < START  # answers are still open
    await fatima.says("ان شاء الله بحضر")  # a day later the invitation is not the latest question
    assert await guest_statuses(database, number) == {1: "not_going"}


async def test_a_question_about_coming_is_no_answer_to_the_invitation(
    database: Database, fatima: Person, clock: Clock
) -> None:
    number = await invited_on_her_phone(database, fatima, clock)
    await fatima.says("شكرا")
    for question in ("ليش ما اقدر احضر الدوره؟", "ابي اعرف اذا ما اقدر احضر"):
        await fatima.says(question)
        assert await guest_statuses(database, number) == {1: "invited"}, question
        await fatima.says("لا")  # not to her office either
    await fatima.chooses(ar("Trainings"))
    await fatima.says("1")
    await fatima.says("ليش لا تردون علي")  # "why don't you answer me": no "why not"
    await fatima.says("ما عندي ارتباط")  # free that day, or without what was asked: asked plainly
    assert await guest_statuses(database, number) == {1: "invited"}
    assert ar(UNSURE) in fatima.heard


async def test_words_that_name_two_things_or_ask_are_not_taken_for_one(
    database: Database, fatima: Person
) -> None:
    await database.run(tips.load_shipped)
    await fatima.says("مرحبا")
    await fatima.chooses(ar("Register my family"))
    await fatima.says("ابي ارجع للسؤال اللي قبل")  # at her name: not her name
    assert ar("What is your national ID number (10 digits)?") not in fatima.heard
    for answer in ("فاطمة أحمد الزهراني", "1000000008", "0551234567", "انا بالجموم مو بمكه المكرمه"):
        await fatima.says(answer)
    assert ar("Which social-security office serves you?") in fatima.heard  # which, she did not say plainly
    mary = neighbour(fatima)
    await mary.registers()
    await mary.says("بناتي")  # "my daughters": not "my data" misspelt
    assert ar("Delete my data") not in mary.options
    await mary.says("القائمة")
    await mary.says("وش اسوي بالاكل البايت")  # a question, not a wish for help
    assert ar(HELP) not in mary.heard
    await mary.says("لا")
    await mary.says("لو سمحت ابي رابط موقع الغرفه التجاريه")  # a request, after a courtesy
    assert ar("From the useful services:") in mary.heard


async def invited_on_her_phone(database: Database, fatima: Person, clock: Clock) -> int:
    """Fatima registered, then invited to the forum, the invitation on her phone: the forum's id."""
    number = await database.run(
        lambda s: events.create(s, FORUM, Audience(offices=("makkah",)), clock.now, "900", clock.now).id
    )
    await fatima.registers()
    clock.advance(minutes=10)
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    await database.run(lambda s: sent_to_her(s, fatima, clock))
    return number


def sent_to_her(session: Session, person: Person, clock: Clock) -> None:
    """What the outbox does for a family on this chat: each delivery due is claimed and sent."""
    for claimed in deliveries.claim(session, clock.now, 10, timedelta(minutes=1)):
        deliveries.sent(session, claimed, person.channel.value, person.address, f"m{claimed.id}", clock.now)


async def test_a_yes_a_thumb_and_save_in_her_words(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses(ar("Register my family"))
    for answer in ("فاطمة أحمد الزهراني", "1000000008", "جوالي ٠٥٥٥١٢٣٤٥٦"):  # a mobile inside a sentence
        await fatima.says(answer)
    await fatima.says("انا ساكنه بمكه")  # her office, inside a sentence
    await fatima.says("1")
    await fatima.chooses(ar("Done"))
    await fatima.says("👍")  # a health certificate: yes
    await fatima.says("ايه")  # canteens: yes
    await fatima.says("ايه موافقه")  # consent
    assert ar("Save") in fatima.options
    assert "+966555123456" in fatima.heard
    await fatima.says("احفظ")
    assert "Your family is registered" not in fatima.heard
    assert ar("Main menu: what would you like to do?") in fatima.heard


async def test_a_yes_sent_twice_answers_one_question_not_the_next(engine: Engine, clock: Clock) -> None:
    amal = Person(engine, clock, address="+966551230000", channel=Channel.WHATSAPP)
    await amal.says("مرحبا")
    await amal.chooses(ar("Register my family"))
    for answer in ("أمل سعيد", "1000000008", "0551230000", "مكة", "1", "تم"):
        await amal.says(answer)
    assert ar("Do you hold a food-handler health certificate?") in amal.heard
    assert await amal.says_twice("نعم") == []  # the second «نعم»: sent before she saw the next question
    await amal.says("لا")  # said after reading it: her answer to "run a school canteen?"
    assert ar("School canteen") + ": " + ar("No") in amal.heard or "هل توافقين" in amal.heard
    await amal.says("نعم")  # consent
    assert ar("Health certificate") + ": " + ar("Yes") in amal.heard
    assert ar("School canteen") + ": " + ar("No") in amal.heard


async def test_no_to_the_office_offer_keeps_her_registration_and_her_quiz(
    database: Database, fatima: Person
) -> None:
    await database.run(tips.load_shipped)
    mary = neighbour(fatima)
    await mary.says("مرحبا")
    await mary.chooses(ar("Register my family"))
    await mary.says("مريم علي")
    await mary.says("ليش تبون رقم هويتي؟")  # a question where her ID is asked: for her office, if she likes
    assert ar(OFFERED) in mary.heard
    await mary.says("لا")
    assert ar("What is your national ID number (10 digits)?") in mary.heard  # the same question again
    await mary.says("القائمة")
    await mary.says("متى يصرفون الضمان هالشهر")
    assert ar(OFFERED) in mary.heard
    await mary.says("لا")
    assert ar("Nothing was sent to your office.") in mary.heard
    await mary.says("ابغى اكمل التسجيل")
    assert ar("What is your national ID number (10 digits)?") in mary.heard  # her name kept
    await fatima.registers()
    await fatima.chooses(ar("Food-safety tips"))
    await fatima.says("الحفاظ على النظافة")
    await fatima.chooses(ar("Take the quiz"))
    question = fatima.heard
    await fatima.says("كم مره لازم اغسل يدي باليوم")
    await fatima.says("لا")
    assert fatima.heard.endswith(question)  # the same question of the same quiz
    await fatima.says("ايه")  # a yes is none of its answers: she is asked for one, not offered the office
    assert ar("Please choose one of the answers below.") in fatima.heard
    assert fatima.heard.endswith(question)
    await fatima.says("طيب والفريزر كم لازم تكون حرارته؟")  # a question of hers, not a yes
    assert ar(OFFERED) in fatima.heard
    await fatima.says("لا")
    assert fatima.heard.endswith(question)
    await fatima.says("قبل ما المس الاكل")  # the second choice, in her words: "before touching food"
    assert fatima.heard.startswith("✅")


async def test_a_stop_nearly_said_is_asked_first_and_her_no_keeps_everything(fatima: Person) -> None:
    await fatima.registers()
    await fatima.chooses(ar("Food-safety tips"))
    await fatima.says("اوقفو الرساءل")  # misspelt: asked, not done
    assert (
        ar(
            "Do you want to stop receiving announcements, tips and invitations to trainings? You can still "
            "write to us."
        )
        in fatima.heard
    )
    assert fatima.options == [ar("No, keep them"), ar("Yes, stop them")]
    await fatima.says("1")  # out of habit: the safe one
    assert ar("Nothing was changed.") in fatima.heard
    assert ar("Food-safety tips: choose a topic.") in fatima.heard  # where she was
    await fatima.says("وقف الرسيل")
    await fatima.chooses(ar("Yes, stop them"))
    assert ar(STOPPED) in fatima.heard


async def test_dont_stop_does_not_stop_and_a_maybe_deletes_nothing(
    fatima: Person, database: Database
) -> None:
    await fatima.registers()
    await fatima.says("لا توقفون الرسايل")  # "don't stop the messages"
    assert ar(STOPPED) not in fatima.heard
    await fatima.chooses(ar("No, keep them"))
    assert ar("Nothing was changed.") in fatima.heard
    await fatima.chooses(ar("My account"))
    await fatima.chooses(ar("Delete my data"))
    await fatima.says("ان شاء الله")  # often a polite "maybe": not a yes to what cannot be undone
    plainly = "This matters, so please answer plainly: “%(yes)s” or “%(no)s”."
    assert ar(plainly, yes=ar("Yes, delete everything"), no=ar("No, keep my data")) in fatima.heard
    assert ar(
        "All your data has been deleted. If you write to us again, we will welcome you as new."
    ) not in (fatima.heard)
    assert await database.run(lambda s: beneficiaries.beneficiary(s, 1)) is not None
    await fatima.says("نعم")
    assert await database.run(lambda s: beneficiaries.beneficiary(s, 1)) is None


async def test_on_a_canteens_page_her_no_keeps_her_there_and_a_thumb_applies(
    database: Database, fatima: Person, clock: Clock
) -> None:
    school = girls_school("ابتدائية مكة", clock.now + timedelta(days=10))
    await database.run(tips.load_shipped)
    await database.run(lambda s: canteen_actions.publish(s, OPERATOR, school, clock.now))
    await fatima.registers()

    def eligible(session: Session) -> None:  # verified by her office, with a food-safety quiz passed
        registrations.verify(session, OPERATOR, 1, clock.now)
        tips.record_quiz(session, 1, "clean", 3, 3, clock.now)

    await database.run(eligible)
    await fatima.chooses(ar("Canteen opportunities"))
    await fatima.says("1")
    page = fatima.heard
    await fatima.says("كم الايجار الشهري للمقصف هذا؟")  # nothing the bot knows: offered to her office
    await fatima.says("لا")
    assert ar("Nothing was sent to your office.") in fatima.heard and fatima.heard.endswith(page)
    await fatima.chooses(ar("Apply"))
    await fatima.says("👍")  # to "shall we send your application?"
    applied = await database.run(lambda s: len(canteens.her_applications(s, 1)))
    assert applied == 1
    await fatima.says("ما ابي المقصف")  # "I don't want the canteen": withdrawing, asked first
    assert ar("Withdraw your application to %(school)s?", school="ابتدائية مكة") in fatima.heard
    await fatima.says("لا")
    assert await database.run(lambda s: canteens.her_applications(s, 1)[0][0].status) == "applied"


async def test_delete_my_data_in_her_words_asks_first(database: Database, fatima: Person) -> None:
    await fatima.registers()
    await fatima.says("ابي احذف بياناتي")
    assert ar("Delete my data") not in fatima.options  # not My account's menu: its question, at once
    assert ar("Yes, delete everything") in fatima.options
    await fatima.says("ان شاء الله")  # a yes that may mean "maybe": not enough to delete
    assert await database.run(lambda s: beneficiaries.beneficiary(s, 1)) is not None


async def test_stop_back_and_her_kunya(database: Database, fatima: Person) -> None:
    await database.run(tips.load_shipped)
    await fatima.registers(name="ام فهد")
    assert "ام فهد" in fatima.heard  # thanked as «ام فهد», not «ام»
    await fatima.says("وقف")
    assert ar(STOPPED) in fatima.heard
    await fatima.chooses(ar("My account"))
    await fatima.says("رجوع")
    assert ar("Main menu: what would you like to do?") in fatima.heard
    await fatima.chooses(ar("Food-safety tips"))
    await fatima.says("1")  # a topic's first tip
    await fatima.says("رجوع")  # back to the topics, not the menu
    assert ar("Main menu: what would you like to do?") not in fatima.heard
    assert "الحفاظ على النظافة" in fatima.options


async def test_the_everyday_utterances_are_read_right_at_least_as_often_as_before(
    database: Database, engine: Engine, clock: Clock
) -> None:
    said = utterances()
    assert len(said) >= 400 and sum(u.place not in ("menu", "menu-new") for u in said) >= 150
    places = await reach(database, engine, clock, said)
    figures = await database.run(lambda s: judge(s, engine, places, said))
    assert figures.wrong_irreversible == 0, [
        m for m in figures.misses if m[0].place in ("rsvp", "withdraw-confirm")
    ]
    assert figures.share_right >= FLOOR, f"{figures.right} of {figures.total} read right"


async def test_words_it_was_not_tuned_on_are_read_right_as_often_as_when_first_read(
    database: Database, engine: Engine, clock: Clock
) -> None:
    said = utterances(UNSEEN)
    places = await reach(database, engine, clock, said)
    figures = await database.run(lambda s: judge(s, engine, places, said))
    assert figures.wrong_irreversible == 0
    assert figures.share_right >= UNSEEN_FLOOR, f"{figures.right} of {figures.total} read right"
