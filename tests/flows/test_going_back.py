"""Going back in a form: «رجوع», «السابق» or "back" returns to the previous question with its answer kept
and shown; answering it carries on where she was; from the list of answers to change, back to the summary.
Outside a form, "back" is an ordinary word (it chooses a "Back" option)."""

from __future__ import annotations

from sqlalchemy import select

from conversations.engine.engine import Engine
from storage.db import Database
from storage.models import Beneficiary
from tests.support.people import Person, ar


async def test_she_goes_back_two_questions_changes_her_name_and_carries_on(
    database: Database, engine: Engine, fatima: Person
) -> None:
    await fatima.says("مرحبا")
    await fatima.chooses(ar("Register my family"))
    await fatima.says("رجوع")  # nothing before the first question
    assert ar("This is the first question.") in fatima.heard
    assert ar("What is your full name?") in fatima.heard
    await fatima.says("فاطمه احمد")
    await fatima.says("١٠٠٠٠٠٠٠٠٨")
    assert ar("What is your mobile number?") in fatima.heard
    await fatima.says("رجوع")
    assert ar("Your answer was: %(answer)s", answer="1000000008") in fatima.heard
    assert ar("What is your national ID number (10 digits)?") in fatima.heard
    await fatima.says("السابق")
    assert ar("Your answer was: %(answer)s", answer="فاطمه احمد") in fatima.heard
    await fatima.says("فاطمة أحمد الزهراني")
    assert ar("What is your mobile number?") in fatima.heard  # her ID kept: on to where she was
    await fatima.says("٠٥٥١٢٣٤٥٦٧")
    await fatima.chooses("مكة")
    await fatima.chooses("مخبوزات")
    await fatima.chooses(ar("Done"))
    await fatima.says("back")  # at the health certificate: the products, ticked as she left them
    assert "✅ مخبوزات وحلويات" in fatima.heard
    await fatima.chooses(ar("Done"))
    assert ar("Do you hold a food-handler health certificate?") in fatima.heard
    await fatima.chooses(ar("Yes"))
    await fatima.chooses(ar("Yes"))
    await fatima.chooses(ar("I agree"))
    await fatima.chooses(ar("Change an answer"))
    assert ar("Back to the summary") in fatima.options
    await fatima.chooses(ar("Back to the summary"))
    assert ar("Please check your answers:") in fatima.heard
    await fatima.chooses(ar("Save"))
    names = await database.run(lambda s: s.scalars(select(Beneficiary.full_name)).all())
    assert names == ["فاطمة أحمد الزهراني"]


async def test_back_outside_a_form_chooses_the_back_option(mary: Person) -> None:
    await mary.registers(language="en")
    await mary.chooses("My account")
    await mary.says("back")
    assert "Main menu: what would you like to do?" in mary.heard
