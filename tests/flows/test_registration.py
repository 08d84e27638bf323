"""Registration, as a beneficiary goes through it in the terminal chat, in Arabic and in English."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.family.menu import MenuOption
from core.domain import Product
from office import registrations
from office.errors import Refused
from storage import contacts
from storage.beneficiaries import NewBeneficiary
from storage.contacts import KnownContact
from storage.db import Database
from storage.models import Beneficiary, Conversation
from tests.support.clock import READING
from tests.support.people import Clock, Person, ar, en


async def registered(database: Database) -> list[Beneficiary]:
    return list(await database.run(lambda s: s.scalars(select(Beneficiary).order_by(Beneficiary.id)).all()))


async def test_a_new_person_is_greeted_in_arabic_and_offered_to_register(fatima: Person) -> None:
    replies = await fatima.says("السلام عليكم، ابغى اسجل")
    assert replies[0].text == "وعليكم السلام ورحمة الله وبركاته 🌷"  # her greeting returned first, in full
    assert "أهلاً بك في «أسر»" in fatima.heard
    assert fatima.options == ["تسجيل أسرتي", "عن مشروع أسر", "التواصل مع مكتبي", "English"]


async def test_full_registration_in_arabic_with_arabic_indic_digits(
    fatima: Person, database: Database
) -> None:
    await fatima.says("مرحبا")
    assert "وعليكم السلام" not in fatima.heard  # returned to «السلام عليكم» only
    await fatima.says("١")
    assert "ما اسمك الكامل؟" in fatima.heard
    await fatima.says("فاطمة أحمد الزهراني")
    assert "ما رقم هويتك الوطنية (10 أرقام)؟" in fatima.heard
    await fatima.says("١٠٠٠٠٠٠٠٠٨")
    assert "ما رقم جوالك؟" in fatima.heard
    await fatima.says("٠٥٥ ١٢٣ ٤٥٦٧")
    assert fatima.options == ["مكة المكرمة", "الجموم", "جدة"]
    await fatima.says("الجموم")
    assert "ماذا تنتج أسرتك؟" in fatima.heard
    await fatima.says("١ ٣")
    assert fatima.options[0] == "✅ وجبات مطبوخة" and fatima.options[2] == "✅ مشروبات"
    await fatima.says("تم")
    assert "هل لديك شهادة صحية لمتداولي الأغذية؟" in fatima.heard
    await fatima.says("نعم")
    assert "هل ترغبين في إدارة مقصف مدرسي؟" in fatima.heard
    await fatima.says("٢")
    assert "هل توافقين؟" in fatima.heard
    await fatima.says("أوافق")
    summary = fatima.heard
    for line in (
        "الاسم: فاطمة أحمد الزهراني",
        "رقم الهوية: 1000000008",
        "الجوال: +966551234567",
        "المكتب: الجموم",
        "المنتجات: وجبات مطبوخة ومشروبات",
        "الشهادة الصحية: نعم",
        "المقصف المدرسي: لا",
    ):
        assert line in summary
    assert await registered(database) == []  # nothing is stored before she saves
    await fatima.chooses("حفظ")
    assert "شكراً لك يا فاطمة! تم تسجيل أسرتك" in fatima.heard
    assert fatima.options == [
        "الدورات التدريبية",
        "نصائح سلامة الغذاء",
        "فرص المقاصف المدرسية",
        "خدمات مفيدة",
        "حسابي",
        "التواصل مع مكتبي",
    ]

    [family] = await registered(database)
    assert (family.full_name, family.national_id, family.mobile) == (
        "فاطمة أحمد الزهراني",
        "1000000008",
        "+966551234567",
    )
    assert family.office_code == "jumum"
    assert [p.value for p in family.products] == ["cooked_meals", "drinks"]
    assert (family.health_certificate, family.canteen_interest, family.language) == (True, False, "ar")
    assert family.consented_at == fatima.clock.now - timedelta(seconds=READING)  # her «أوافق», before «حفظ»


async def test_full_registration_in_english_with_words_instead_of_numbers(
    mary: Person, database: Database
) -> None:
    await mary.says("Hello")
    assert "Welcome to Usar" in mary.heard
    await mary.says("register my family")
    await mary.says("Mary  Ann   Smith")
    await mary.says("2000000006")
    await mary.says("+966 50 000 0002")
    await mary.says("jeddah")
    await mary.says("sewing, crafts")
    assert mary.options[3:5] == ["✅ Crafts", "✅ Sewing"]
    await mary.says("done")
    await mary.says("no")
    await mary.says("yes")
    await mary.says("I agree")
    assert "Name: Mary Ann Smith" in mary.heard
    await mary.says("save")
    assert "Thank you, Mary! Your family is registered." in mary.heard

    [family] = await registered(database)
    assert (family.full_name, family.mobile, family.office_code) == (
        "Mary Ann Smith",
        "+966500000002",
        "jeddah",
    )
    assert [p.value for p in family.products] == ["crafts", "sewing"]
    assert (family.health_certificate, family.canteen_interest, family.language) == (False, True, "en")


async def test_every_wrong_answer_gets_a_specific_message_and_the_same_question(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.says("1")
    for wrong, message in (
        ("فاطمة", ar("Please type your full name: your first name and your family name at least.")),
        ("Fatima 123", ar("A name can only contain letters. Please type your full name.")),
        ("ف " * 60, ar("That name is too long. Please type it in 100 letters or fewer.")),
    ):
        await fatima.says(wrong)
        assert message in fatima.heard and ar("What is your full name?") in fatima.heard
    await fatima.says("فاطمة الزهراني")

    for wrong, message in (
        ("12345", "كتبتِ 5 أرقام؛ رقم الهوية من 10 أرقام."),
        ("12345678901", "كتبتِ 11 رقماً؛ رقم الهوية من 10 أرقام."),
        ("10", "كتبتِ رقمين؛ رقم الهوية من 10 أرقام."),
        ("abc", ar("The ID number should contain digits only. Please type the 10 digits.")),
        ("3000000004", ar("A Saudi ID number starts with 1, and a residence (iqama) number with 2.")),
        ("1000000009", ar("This ID number is not valid. Please check the digits and type it again.")),
    ):
        await fatima.says(wrong)
        assert message in fatima.heard and ar("What is your national ID number (10 digits)?") in fatima.heard
    await fatima.says("۱۰۰۰۰۰۰۰۰۸")  # Persian digits

    for wrong in ("0612345678", "055123", "9715512345678", "hello"):
        await fatima.says(wrong)
        assert ar("What is your mobile number?") in fatima.heard
    await fatima.says("00966551234567")
    assert ar("Which social-security office serves you?") in fatima.heard

    for wrong in ("9", "الرياض"):
        await fatima.says(wrong)
        assert ar("Please choose one of the options below.") in fatima.heard
    await fatima.says("3")

    await fatima.says("7")
    assert ar("Please choose at least one, then “Done”.") in fatima.heard
    await fatima.says("1 و 9")
    assert ar("Please type the numbers of your choices, for example: 1 3") in fatima.heard
    await fatima.says("2")
    await fatima.says("7")

    await fatima.says("٣")
    assert ar("Please choose “%(yes)s” or “%(no)s”.", yes=ar("Yes"), no=ar("No")) in fatima.heard
    assert ar("Do you hold a food-handler health certificate?") in fatima.heard
    await fatima.says("ربما")  # neither a yes nor a no: she is asked to choose one
    assert ar("I could not tell whether that is a yes or a no. Please choose one of the answers below.") in (
        fatima.heard
    )
    assert ar("Do you hold a food-handler health certificate?") in fatima.heard


async def test_she_can_fix_any_answer_from_the_summary(fatima: Person, database: Database) -> None:
    await fatima.says("مرحبا")
    await fatima.says("1")
    for answer in ("فاطمة أحمد", "1000000008", "0551234567", "1", "1", "7", "1", "1", "1"):
        await fatima.says(answer)
    assert ar("Please check your answers:") in fatima.heard
    await fatima.chooses("تعديل إجابة")
    assert ar("Which answer would you like to change?") in fatima.heard
    assert "الموافقة" not in fatima.options  # consent is given, not edited
    await fatima.chooses("المكتب")
    await fatima.chooses("جدة")
    assert "المكتب: جدة" in fatima.heard  # straight back to the summary
    await fatima.chooses("تعديل إجابة")
    await fatima.chooses("المنتجات")
    assert fatima.options[0] == "✅ وجبات مطبوخة"  # her earlier choice is kept while she edits
    await fatima.says("1 5")
    await fatima.says("تم")
    assert "المنتجات: خياطة" in fatima.heard
    await fatima.chooses("حفظ")
    [family] = await registered(database)
    assert family.office_code == "jeddah" and [p.value for p in family.products] == ["sewing"]


async def test_cancel_leaves_without_saving_and_forgets_the_answers(
    fatima: Person, database: Database
) -> None:
    await fatima.says("مرحبا")
    await fatima.says("1")
    await fatima.says("فاطمة أحمد")
    await fatima.says("إلغاء")
    assert ar("Registration cancelled. Nothing was saved.") in fatima.heard
    assert fatima.options[0] == "تسجيل أسرتي"
    await fatima.says("1")
    assert ar("What is your full name?") in fatima.heard  # from the start again
    assert await registered(database) == []


async def test_refusing_consent_asks_once_then_saves_nothing(mary: Person, database: Database) -> None:
    await mary.says("hi")
    await mary.says("1")
    for answer in ("Mary Smith", "2000000006", "0500000002", "1", "1", "7", "1", "1"):
        await mary.says(answer)
    await mary.says("I do not agree")  # a slip after eight answers: asked once
    assert "Your answers will be deleted. Are you sure?" in mary.heard
    await mary.chooses("No, let us go on")
    assert "Do you agree?" in mary.heard
    await mary.says("no")  # the second time it is her answer
    assert "Are you sure?" not in mary.heard
    assert (
        en("We cannot register your family without your consent, so nothing was saved.").split(",")[0]
        in mary.heard
    )
    assert await registered(database) == []
    state = await database.run(lambda s: s.scalars(select(Conversation)).one())
    assert state.answers == {}


async def test_menu_in_the_middle_keeps_her_answers_and_she_continues(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.says("1")
    await fatima.says("فاطمة أحمد")
    await fatima.says("القائمة")
    assert fatima.options[0] == "متابعة التسجيل"
    await fatima.says("1")
    assert ar("Welcome back! Let us continue your registration where you left it.") in fatima.heard
    assert ar("What is your national ID number (10 digits)?") in fatima.heard


async def test_help_explains_the_step_and_asks_again(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.says("1")
    await fatima.says("فاطمة أحمد")
    await fatima.says("مساعدة")
    assert (
        ar("The ID number is the 10 digits on your national ID card or residence permit (iqama).")
        in fatima.heard
    )
    assert "«القائمة»" in fatima.heard
    assert ar("What is your national ID number (10 digits)?") in fatima.heard


async def test_language_can_be_switched_at_any_step(fatima: Person, database: Database) -> None:
    await fatima.says("مرحبا")
    await fatima.says("1")
    await fatima.says("language")
    assert en("From now on I will write to you in English.") in fatima.heard
    assert en("What is your full name?") in fatima.heard
    await fatima.says("Fatima Ahmed")
    await fatima.says("العربية")
    assert "سأراسلك باللغة العربية من الآن." in fatima.heard
    assert ar("What is your national ID number (10 digits)?") in fatima.heard


async def test_a_photo_or_voice_note_gets_please_type(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.says("1")
    await fatima.sends_photo()
    assert ar("I can only read typed messages. Please type your answer.") in fatima.heard
    assert ar("What is your full name?") in fatima.heard


async def test_a_button_no_longer_on_offer_is_refused_kindly(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.presses(MenuOption.REGISTER.pack())
    assert ar("What is your full name?") in fatima.heard
    await fatima.presses(MenuOption.REGISTER.pack())  # an old button from the welcome message
    assert ar("That choice is no longer available. Here is where we are:") in fatima.heard
    assert ar("What is your full name?") in fatima.heard


async def test_a_shared_contact_answers_the_mobile_question(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.says("1")
    await fatima.says("فاطمة أحمد")
    await fatima.says("1000000008")
    assert fatima.replies[-1].contact_button == "📱 مشاركة رقمي"
    await fatima.shares_contact("966551234567")
    assert ar("Which social-security office serves you?") in fatima.heard


async def test_the_same_national_id_or_mobile_cannot_register_twice(
    fatima: Person, mary: Person, database: Database
) -> None:
    await fatima.registers(national_id="1000000008", mobile="0551234567")
    await mary.says("hi")
    await mary.says("1")
    await mary.says("Mary Smith")
    await mary.says("1000000008")
    assert en("This ID number is already registered with us.").split(".")[0] in mary.heard
    assert en("What is your national ID number (10 digits)?") in mary.heard
    await mary.says("2000000006")
    await mary.says("+966551234567")
    assert "This mobile number is already registered with us." in mary.heard
    assert en("What is your mobile number?") in mary.heard
    assert len(await registered(database)) == 1


async def test_a_registration_that_lost_a_race_for_the_id_is_sent_back_to_it(
    fatima: Person, mary: Person, database: Database
) -> None:
    # Both type the same ID before either saves; the first to save wins, the second is asked again.
    await mary.says("hi")
    await mary.says("1")
    for answer in ("Mary Smith", "1000000008", "0500000002", "1", "1", "7", "1", "1", "1"):
        await mary.says(answer)
    await fatima.registers(national_id="1000000008")
    await mary.says("save")
    assert "This ID number is already registered with us." in mary.heard
    assert en("What is your national ID number (10 digits)?") in mary.heard
    await mary.says("2000000006")
    assert en("Please check your answers:") in mary.heard  # her other answers are kept
    await mary.says("save")
    assert len(await registered(database)) == 2


async def test_counts_and_rows_stay_consistent_after_a_registration(
    fatima: Person, database: Database
) -> None:
    await fatima.registers()
    counts = await database.run(
        lambda s: (
            s.scalar(select(func.count()).select_from(Beneficiary)),
            s.scalar(select(Conversation.beneficiary_id)),
        )
    )
    assert counts == (1, 1)


async def to_consent(person: Person) -> dict[str, str]:
    """Answers everything up to the consent question; the payload of each "Yes" button she was shown."""
    yes_buttons = {}
    await person.says("مرحبا")
    await person.says("1")
    for answer in ("فاطمة أحمد", "1000000008", "0551234567", "1", "1", "7", "1", "1"):
        await person.says(answer)
        if person.options[:1] == ["نعم"]:
            yes_buttons[person.replies[-1].text] = person.replies[-1].options[0].payload
    return yes_buttons


async def test_an_old_yes_button_from_another_question_does_not_give_consent(
    fatima: Person, database: Database
) -> None:
    yes_buttons = await to_consent(fatima)
    certificate_yes = yes_buttons[ar("Do you hold a food-handler health certificate?")]
    assert ar("Please check your answers:") not in fatima.heard
    await fatima.presses(certificate_yes)  # still in the chat from the certificate question
    assert ar("That choice is no longer available. Here is where we are:") in fatima.heard
    assert "هل توافقين؟" in fatima.heard
    await fatima.presses(fatima.replies[-1].options[0].payload)  # the consent question's own button
    assert ar("Please check your answers:") in fatima.heard


@pytest.mark.parametrize("typed", ["موافقة", "موافق", "أوافق", "I agree"])
async def test_consent_in_her_own_words(fatima: Person, typed: str) -> None:
    await to_consent(fatima)
    await fatima.says(typed)
    assert ar("Please check your answers:") in fatima.heard


async def test_cancel_while_correcting_an_answer_goes_back_to_the_summary(fatima: Person) -> None:
    await to_consent(fatima)
    await fatima.says("1")
    await fatima.chooses("تعديل إجابة")
    await fatima.says("إلغاء")
    assert ar("Nothing was changed.") in fatima.heard and "الاسم: فاطمة أحمد" in fatima.heard
    await fatima.chooses("تعديل إجابة")
    await fatima.chooses("الاسم")
    await fatima.says("إلغاء")
    assert "الاسم: فاطمة أحمد" in fatima.heard and ar("Please check your answers:") in fatima.heard


async def test_ticks_left_unconfirmed_are_forgotten_when_she_comes_back(fatima: Person) -> None:
    await to_consent(fatima)
    await fatima.says("1")
    await fatima.chooses("تعديل إجابة")
    await fatima.chooses("المنتجات")
    await fatima.says("5")  # ticks sewing, then leaves without "Done"
    await fatima.says("القائمة")
    await fatima.chooses("متابعة التسجيل")
    assert "المنتجات: وجبات مطبوخة" in fatima.heard and "خياطة" not in fatima.heard
    await fatima.chooses("تعديل إجابة")
    await fatima.chooses("المنتجات")
    assert "✅ خياطة" not in fatima.options and "✅ وجبات مطبوخة" in fatima.options


async def test_a_label_with_and_in_it_can_be_chosen_with_another(mary: Person) -> None:
    await mary.says("hi")
    await mary.says("1")
    for answer in ("Mary Smith", "2000000006", "0500000002", "1"):
        await mary.says(answer)
    await mary.says("Baked goods and sweets, crafts")
    assert mary.options[1] == "✅ Baked goods and sweets" and mary.options[3] == "✅ Crafts"


async def test_cancel_at_the_menu_discards_an_unfinished_registration(
    fatima: Person, database: Database
) -> None:
    await fatima.says("مرحبا")
    await fatima.says("1")
    await fatima.says("فاطمة أحمد")
    await fatima.says("1000000008")
    await fatima.says("القائمة")
    await fatima.says("إلغاء")
    assert ar("Registration cancelled. Nothing was saved.") in fatima.heard
    assert fatima.options[0] == "تسجيل أسرتي"
    state = await database.run(lambda s: s.scalars(select(Conversation)).one())
    assert "1000000008" not in str(state.answers)


async def test_greetings_and_thanks_are_answered_in_kind_and_never_taken_for_an_answer(
    fatima: Person,
) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses(ar("Register my family"))
    await fatima.says("السلام عليكم")
    assert ar("And peace be upon you 🌷") in fatima.heard
    assert ar("What is your full name?") in fatima.heard  # asked again: a greeting is not her name
    await fatima.says("فاطمة أحمد الزهراني")
    assert ar("What is your national ID number (10 digits)?") in fatima.heard
    await fatima.says("إلغاء")
    await fatima.says("شكراً جزيلاً")
    assert ar("You are welcome, we are here to help 🌷") in fatima.heard
    assert ar("Sorry, I did not understand that.") not in fatima.heard
    assert ar("Register my family") in fatima.options  # the menu again


async def test_stop_in_her_own_words(fatima: Person) -> None:
    await fatima.registers()
    await fatima.says("توقفوا")
    assert (
        ar(
            "You will no longer receive announcements, tips and invitations to trainings. You can still "
            "write to us at any time; send “start” to receive them again."
        )
        in fatima.heard
    )


async def test_cancel_after_several_answers_asks_first_and_she_can_go_on(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses(ar("Register my family"))
    await fatima.says("فاطمة أحمد الزهراني")
    await fatima.says("1000000008")
    await fatima.says("0551234567")
    assert ar("Which social-security office serves you?") in fatima.heard
    await fatima.says("إلغاء")
    assert ar("Leave this? What you typed here will be forgotten.") in fatima.heard
    await fatima.says("1")  # no, go on: the question she was at
    assert ar("Which social-security office serves you?") in fatima.heard
    await fatima.says("إلغاء")
    await fatima.says("نعم")
    assert ar("Registration cancelled. Nothing was saved.") in fatima.heard
    await fatima.chooses(ar("Register my family"))
    assert ar("What is your full name?") in fatima.heard  # her answers are gone, as she chose


async def test_help_while_asked_whether_to_leave(fatima: Person) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses(ar("Register my family"))
    for answer in ("فاطمة أحمد الزهراني", "1000000008", "0551234567"):
        await fatima.says(answer)
    await fatima.says("إلغاء")
    await fatima.says("مساعدة")
    assert (
        ar(
            "Choose “No, let us go on” to keep your answers, or “%(leave)s” to leave.",
            leave="نعم، أريد حذف إجاباتي",
        )
        in fatima.heard
    )
    await fatima.says("لا")
    assert ar("Which social-security office serves you?") in fatima.heard


async def test_a_short_greeting_at_the_menu_is_a_greeting(fatima: Person) -> None:
    await fatima.registers()
    await fatima.says("سلام")  # not the start of "نصائح سلامة الغذاء"
    assert ar("And peace be upon you 🌷") in fatima.heard
    assert ar("Food-safety tips") in fatima.options


async def test_registering_as_an_office_action_refuses_what_is_taken_and_an_office_off_the_list(
    database: Database, clock: Clock
) -> None:
    fatima = NewBeneficiary(
        full_name="فاطمة أحمد الزهراني",
        national_id="1000000008",
        mobile="+966551234567",
        mobile_vouched=False,
        office_code="makkah",
        products=[Product.SEWING],
        health_certificate=True,
        canteen_interest=False,
        language="ar",
        consented_at=clock.now,
    )
    on_the_list = KnownContact(fatima.national_id, fatima.full_name, fatima.mobile, "makkah")
    await database.run(lambda s: contacts.save_all(s, [on_the_list], "900", clock.now))

    async def registers(new: NewBeneficiary) -> int:
        return await database.run(lambda s: registrations.register(s, new, clock.now))

    assert await registers(fatima) == 1
    assert await database.run(lambda s: contacts.by_mobile(s, fatima.mobile)) is None  # a family now
    another = replace(fatima, national_id="2000000006", mobile="+966551234568")
    for refused_one, asked_again in (
        (replace(another, national_id=fatima.national_id), "national_id"),
        (replace(another, mobile=fatima.mobile), "mobile"),
        (replace(another, office_code="atlantis"), "office"),  # not among the offices families may choose
    ):
        with pytest.raises(Refused) as refused:
            await registers(refused_one)
        assert refused.value.problems[0].field == asked_again
    assert len(await registered(database)) == 1


async def test_ticks_and_choices_kept_before_an_upgrade_are_asked_again_not_a_fault(
    fatima: Person, database: Database
) -> None:
    """Her draft kept a product ticked and an office chosen as they were written before options were typed
    ("baked_sweets", "makkah"): she is asked those questions again, and nothing she typed is lost."""
    await fatima.says("مرحبا")
    await fatima.chooses(ar("Register my family"))
    for typed in ("فاطمة أحمد الزهراني", "1000000008", "0551234567"):
        await fatima.says(typed)
    await fatima.chooses("مكة")
    await fatima.says("1")  # a product ticked, not yet "Done"

    def as_before(session: Session) -> None:
        state = session.scalars(select(Conversation)).one()
        draft = dict(state.answers["registration"])
        draft.update({"office": "makkah", "_selected:products": ["baked_sweets"]})
        state.answers = {**state.answers, "registration": draft}

    await database.run(as_before)
    await fatima.chooses(ar("Done"))
    assert ar("Please choose at least one, then “Done”.") in fatima.heard  # the old tick is gone, no fault
    await fatima.says("1")
    await fatima.chooses(ar("Done"))
    assert ar("Which social-security office serves you?") in fatima.heard  # the old office asked again
    await fatima.chooses("مكة")
    assert ar("Do you hold a food-handler health certificate?") in fatima.heard
    state = await database.run(lambda s: s.scalars(select(Conversation)).one())
    assert state.answers["registration"]["full_name"] == "فاطمة أحمد الزهراني"
