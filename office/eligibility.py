"""Whether a family may apply for a school canteen, check by check, each explained to her.

1. her registration is verified by her office;
2. she holds a food-handler health certificate;
3. she attended a training, or passed a food-safety quiz;
4. the school belongs to her office.
A check whose feature does not exist yet is left out, not failed; today all four exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.i18n import _
from storage import events, offices, tips
from storage.models import Beneficiary, CanteenOpportunity


@dataclass(frozen=True)
class Check:
    passed: bool
    explanation: str  # in her language: what was checked, or what she can do about it

    def line(self) -> str:
        return f"{'✅' if self.passed else '❌'} {self.explanation}"


def checks(
    session: Session, family: Beneficiary, opportunity: CanteenOpportunity, language: str
) -> list[Check]:
    office = offices.office(session, opportunity.office_code)
    office_name = office.name(language) if office else opportunity.office_code
    learnt = bool(events.attended_by(session, family.id)) or bool(tips.passed_topics(session, family.id))
    return [
        Check(True, _("Your registration is verified by your office."))
        if family.verified_at is not None
        else Check(
            False, _("Your office has not verified your registration yet. Please contact your office.")
        ),
        Check(True, _("You hold a health certificate."))
        if family.health_certificate
        else Check(
            False,
            _(
                "A food-handler health certificate is needed. When you have one, record it in “My account” "
                "→ “Change my details”."
            ),
        ),
        Check(True, _("You attended a training or passed a food-safety quiz."))
        if learnt
        else Check(
            False,
            _("Attend a training (see “Trainings”) or pass a quiz in “Food-safety tips” first."),
        ),
        Check(True, _("The school is in your office's area."))
        if family.office_code == opportunity.office_code
        else Check(False, _("This school is for families of the %(office)s office.", office=office_name)),
    ]


def eligible(found: list[Check]) -> bool:
    return all(check.passed for check in found)
