"""A month of an office's work, made for the dashboard's tests: every figure the dashboard shows has a known
value here (written beside what makes it).

Makkah has four families, Al-Jumum one, Jeddah one (`FAMILIES`). As of `now`:
- registered: Fatima 2 days ago, Noura and Fatimah 10 days ago, Mariam (Makkah) 100 days ago (before the
  twelve weeks), Maryam of Al-Jumum yesterday, Fatima of Jeddah 20 days ago;
- Fatima is verified, Noura asked to correct something: Makkah waits for Fatimah and Mariam (the oldest);
- Makkah's canteens: one open (Fatima applied, Noura shortlisted, Fatimah accepted), one closed early
  (Mariam rejected, Fatima withdrew); Al-Jumum's: one open, Maryam applied;
- Makkah's training (two places): Fatima and Noura going, Fatimah waiting for a place, Mariam not going;
  Fatima came;
- its four invitations: Fatima's sent on Telegram, Noura's on WhatsApp, Fatimah's needs a template,
  Mariam's blocked; Maryam's (Al-Jumum) sent on Telegram; one of 40 days ago not counted;
- Makkah's questions: one open, two answered after 2 and 10 hours in the last 30 days, one of 40 days ago;
  Al-Jumum's: one answered after 30 minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.domain import ApplicationStatus, DeliveryStatus, Product
from office import event_notices, events
from office.rights import OPERATOR
from storage import beneficiaries, canteens
from storage import events as event_store
from storage.audiences import Audience
from storage.beneficiaries import NewBeneficiary
from storage.canteens import NewOpportunity
from storage.events import EventDetails
from storage.models import Beneficiary, CanteenApplication, CanteenOpportunity, Delivery, Thread
from tests.support.builders import national_id

FAMILIES = [  # name, office, registered this long ago
    ("فاطمة أحمد الزهراني", "makkah", timedelta(days=2)),
    ("نورة سعيد القرشي", "makkah", timedelta(days=10)),
    ("فاطمه علي الحربي", "makkah", timedelta(days=10)),
    ("مريم حسن الشهري", "makkah", timedelta(days=100)),
    ("مريم خالد العتيبي", "jumum", timedelta(days=1)),
    ("فاطمة حسن الغامدي", "jeddah", timedelta(days=20)),
]
FATIMA, NOURA, FATIMAH, MARIAM, MARYAM, JEDDAH_FATIMA = 1, 2, 3, 4, 5, 6
HOUR = timedelta(hours=1)


def a_month_of_work(session: Session, now: datetime) -> None:
    for number, (name, office, ago) in enumerate(FAMILIES, start=1):
        new = NewBeneficiary(
            full_name=name, national_id=national_id(number), mobile=f"+9665{number:08d}", mobile_vouched=True,
            office_code=office, products=[Product.COOKED_MEALS], health_certificate=True,
            canteen_interest=True, language="ar", consented_at=now - ago,
        )  # fmt: skip
        beneficiaries.register(session, new, now - ago)
    session.execute(update(Beneficiary).where(Beneficiary.id == FATIMA).values(verified_at=now))
    session.execute(update(Beneficiary).where(Beneficiary.id == NOURA).values(correction_asked_at=now))
    _canteens(session, now)
    _training(session, now)
    _questions(session, now)


def _opportunity(session: Session, office: str, now: datetime) -> int:
    school = NewOpportunity(
        school_name=f"مدرسة {office}", stage="primary", girls=True, district="الحي", office_code=office,
        students=100, starts_on=(now + timedelta(days=60)).date(), deadline=now + timedelta(days=20),
        places=2,
    )  # fmt: skip
    return canteens.publish(session, school, "test", now).id


def _canteens(session: Session, now: datetime) -> None:
    open_one, closed_one = _opportunity(session, "makkah", now), _opportunity(session, "makkah", now)
    jumum = _opportunity(session, "jumum", now)
    for opportunity, family, status in (
        (open_one, FATIMA, ApplicationStatus.APPLIED),
        (open_one, NOURA, ApplicationStatus.SHORTLISTED),
        (open_one, FATIMAH, ApplicationStatus.ACCEPTED),
        (closed_one, MARIAM, ApplicationStatus.REJECTED),
        (closed_one, FATIMA, ApplicationStatus.WITHDRAWN),
        (jumum, MARYAM, ApplicationStatus.APPLIED),
    ):
        canteens.apply(session, opportunity, family, now)
        application = (
            CanteenApplication.opportunity_id == opportunity,
            CanteenApplication.beneficiary_id == family,
        )
        session.execute(update(CanteenApplication).where(*application).values(status=status.value))
    session.execute(
        update(CanteenOpportunity).where(CanteenOpportunity.id == closed_one).values(closed_at=now)
    )


def _training(session: Session, now: datetime) -> None:
    starts = now + timedelta(days=3)
    details = EventDetails(
        title_ar="سلامة الغذاء", starts_at=starts, ends_at=starts + 3 * HOUR, venue_ar="المركز", capacity=2
    )
    made = events.create(session, OPERATOR, details, Audience(offices=("makkah",)), now, now)
    event_notices.invite_due(session, now)
    for family, going in ((FATIMA, True), (NOURA, True), (FATIMAH, True), (MARIAM, False)):
        events.answer_invitation(session, family, made.id, going, now)
    event_store.mark_attended(session, made.id, [FATIMA], now)
    outcomes = {
        FATIMA: (DeliveryStatus.SENT, "telegram"),
        NOURA: (DeliveryStatus.SENT, "whatsapp"),
        FATIMAH: (DeliveryStatus.NEEDS_TEMPLATE, "whatsapp"),
        MARIAM: (DeliveryStatus.BLOCKED, "telegram"),
    }
    for family, (status, channel) in outcomes.items():
        session.execute(
            update(Delivery)
            .where(Delivery.beneficiary_id == family)
            .values(status=status.value, channel=channel)
        )
    for family, made_at in ((MARYAM, now), (FATIMA, now - timedelta(days=40))):
        session.add(
            Delivery(
                kind="announcement", source_id=900 + family, beneficiary_id=family, payload={},
                status=DeliveryStatus.SENT.value, attempts=1, next_attempt_at=made_at, channel="telegram",
                created_at=made_at, updated_at=made_at,
            )
        )  # fmt: skip


def _questions(session: Session, now: datetime) -> None:
    for office, opened, answered_after, status in (
        ("makkah", now - timedelta(days=5), 2 * HOUR, "closed"),
        ("makkah", now - timedelta(days=3), 10 * HOUR, "closed"),
        ("makkah", now - HOUR, None, "open"),
        ("makkah", now - timedelta(days=40), HOUR, "closed"),
        ("jumum", now - timedelta(days=2), timedelta(minutes=30), "closed"),
    ):
        session.add(
            Thread(
                office_code=office, channel="telegram", address="9000", status=status, opened_at=opened,
                first_answered_at=opened + answered_after if answered_after else None,
            )
        )  # fmt: skip
