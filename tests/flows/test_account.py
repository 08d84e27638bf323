"""My account: what is stored (ID masked), language, and deleting everything after a confirmation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.engine.forms import YesNo
from core.channel import Channel
from core.i18n import N_
from office import registrations
from storage.db import Database
from storage.models import AuditEntry, Beneficiary, BeneficiaryProduct, Conversation
from tests.support.people import Person, ar, en


async def rows(database: Database) -> tuple[int, int, int]:
    def count(session: Session) -> tuple[int, int, int]:
        beneficiaries, products, conversations = (
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Beneficiary, BeneficiaryProduct, Conversation)
        )
        return beneficiaries, products, conversations

    return await database.run(count)


async def test_she_sees_what_is_stored_with_the_id_masked_and_hijri_dates(fatima: Person) -> None:
    await fatima.registers(national_id="1000000008")
    await fatima.chooses("حسابي")
    await fatima.chooses("بياناتي")
    assert "رقم الهوية: ******0008" in fatima.heard
    assert "1000000008" not in fatima.heard
    assert "الجوال: +966551234567" in fatima.heard
    # 28 November 2026 in Riyadh is 18 Jumada al-Akhirah 1448 AH (Umm al-Qura).
    assert "تاريخ التسجيل: 28 نوفمبر 2026 (18 جمادى الآخرة 1448 هـ)" in fatima.heard
    assert "توثيق مكتبك لتسجيلك: ليس بعد" in fatima.heard
    assert ar("My account") in fatima.heard  # the account menu again


async def test_she_changes_language_from_her_account(fatima: Person, database: Database) -> None:
    await fatima.registers()
    await fatima.chooses("حسابي")
    await fatima.chooses("تغيير اللغة")
    assert en("From now on I will write to you in English.") in fatima.heard
    assert "My details" in fatima.options
    family = await database.run(lambda s: s.scalars(select(Beneficiary)).one())
    assert family.language == "en"  # later announcements reach her in English too


async def test_deleting_asks_first_and_keeping_changes_nothing(fatima: Person, database: Database) -> None:
    await fatima.registers()
    await fatima.chooses("حسابي")
    await fatima.chooses("حذف بياناتي")
    assert "لا يمكن التراجع عنه" in fatima.heard and "حتى المقبول منها" in fatima.heard
    await fatima.chooses("لا، لا تحذف بياناتي")
    assert ar("Nothing was deleted.") in fatima.heard
    await fatima.chooses("حذف بياناتي")
    await fatima.says("لا")  # typed, as «نعم» would be: the safe answer is understood too
    assert ar("Nothing was deleted.") in fatima.heard
    await fatima.chooses("حذف بياناتي")
    await fatima.says("1")  # a "1" out of habit: the first option keeps her data
    assert ar("Nothing was deleted.") in fatima.heard
    assert await rows(database) == (1, 1, 1)


async def test_typing_her_account_again_on_its_screen_never_offers_to_delete_it(
    fatima: Person, database: Database
) -> None:
    await fatima.registers()
    await fatima.says("حسابي")
    account = fatima.options
    await fatima.says("حسابي")  # typed again, as she would on a screen she did not read
    assert "هل تريدين حذف بياناتك؟" not in fatima.heard
    await fatima.says("ايه")
    assert await rows(database) == (1, 1, 1)
    await fatima.says("حسابي")
    assert fatima.options == account
    await fatima.says("امسحي حسابي")  # her words for deleting, whole: asked first
    assert "هل تريدين حذف بياناتك؟" in fatima.heard


async def test_deleting_removes_every_trace_and_she_is_new_again(fatima: Person, database: Database) -> None:
    await fatima.registers()
    await fatima.chooses("حسابي")
    await fatima.chooses("حذف بياناتي")
    await fatima.chooses("نعم، احذف كل شيء")
    assert (
        ar("All your data has been deleted. If you write to us again, we will welcome you as new.")
        in fatima.heard
    )
    assert await rows(database) == (0, 0, 0)
    await fatima.says("مرحبا")
    assert "أهلاً بك في «أسر»" in fatima.heard
    assert fatima.options[0] == "تسجيل أسرتي"


async def test_cancel_in_the_account_goes_back_to_the_menu(mary: Person) -> None:
    await mary.registers(name="Mary Smith", national_id="2000000006", mobile="0500000002", language="en")
    await mary.chooses("My account")
    await mary.chooses("Delete my data")
    await mary.says("cancel")
    assert "Nothing was changed." in mary.heard
    assert mary.options[0] == "Trainings"


async def test_every_section_of_her_menu_answers_even_when_it_is_empty(mary: Person) -> None:
    await mary.registers(name="Mary Smith", national_id="2000000006", mobile="0500000002", language="en")
    for section, empty in (
        ("Trainings", "There are no upcoming trainings for your office at the moment."),
        ("Canteen opportunities", "There are no canteen opportunities open right now."),
        ("Useful services", "The list of useful services is not ready yet."),
    ):
        await mary.chooses(section)
        assert empty in mary.heard
        assert mary.options[0] == "Trainings"  # back at her menu


async def test_an_old_yes_button_cannot_confirm_a_deletion(fatima: Person, database: Database) -> None:
    await fatima.registers()
    await fatima.chooses("حسابي")
    await fatima.chooses("حذف بياناتي")
    old_yes = YesNo(name="canteen_interest", ask=N_("Yes"), label=N_("Yes")).offers(None, {})[0]  # type: ignore[arg-type]
    await fatima.presses(old_yes.packed)  # the registration's "Yes" button, still in the chat
    assert ar("That choice is no longer available. Here is where we are:") in fatima.heard
    assert await rows(database) == (1, 1, 1)


@pytest.mark.parametrize(
    ("stop", "start"), [("STOP", "START"), ("إيقاف", "اشتراك"), ("الغاء الاشتراك", "start")]
)
async def test_stop_and_start_announcements_while_answers_go_on(
    fatima: Person, database: Database, stop: str, start: str
) -> None:
    await fatima.registers()
    await fatima.says(stop)
    assert "لن تصلك الإعلانات والنصائح ودعوات الدورات بعد الآن" in fatima.heard
    family = await database.run(lambda s: s.scalars(select(Beneficiary)).one())
    assert family.opted_out_at == fatima.clock.now
    await fatima.chooses("حسابي")  # she still gets answers when she writes
    assert ar("My account") in fatima.heard
    await fatima.says(start)
    assert "ستصلك الإعلانات والنصائح ودعوات الدورات من جديد" in fatima.heard
    family = await database.run(lambda s: s.scalars(select(Beneficiary)).one())
    assert family.opted_out_at is None


async def test_stop_from_someone_not_registered_changes_nothing(mary: Person, database: Database) -> None:
    await mary.says("hi")
    await mary.says("stop")
    assert "You do not receive announcements from us." in mary.heard
    assert mary.options[0] == "Register my family"


async def test_deleting_also_removes_a_registration_she_began_on_another_channel(
    fatima: Person, database: Database
) -> None:
    on_whatsapp = Person(fatima.engine, fatima.clock, address="+966551234567", channel=Channel.WHATSAPP)
    await on_whatsapp.says("مرحبا")
    await on_whatsapp.chooses("تسجيل أسرتي")
    await on_whatsapp.says("فاطمة أحمد الزهراني")
    await on_whatsapp.says("1000000008")  # her name and ID, in a draft she left there
    await fatima.registers()  # and registered here instead
    await fatima.chooses("حسابي")
    await fatima.chooses("حذف بياناتي")
    await fatima.chooses("نعم، احذف كل شيء")
    assert await rows(database) == (0, 0, 0)  # the draft on WhatsApp went too


async def test_her_language_stop_and_deletion_as_office_actions(fatima: Person, database: Database) -> None:
    await fatima.registers()
    now = fatima.clock.now
    await database.run(lambda s: registrations.change_language(s, 1, "en"))
    await database.run(lambda s: registrations.stop_messages(s, 1, now, stop=True))
    family = await database.run(lambda s: s.scalars(select(Beneficiary)).one())
    assert (family.language, family.opted_out_at) == ("en", now)
    await database.run(lambda s: registrations.stop_messages(s, 1, now, stop=False))
    assert (await database.run(lambda s: s.scalars(select(Beneficiary)).one())).opted_out_at is None
    await database.run(lambda s: registrations.forget(s, 1, now))
    assert await rows(database) == (0, 0, 0)  # her conversation is forgotten with her registration
    done = await database.run(
        lambda s: s.execute(select(AuditEntry.action, AuditEntry.target_id, AuditEntry.details)).all()
    )
    assert ("registrations.deleted", 1, None) in done  # that it was done, by her number alone
