"""Console benchmark: the dashboard (the console's home page) with 100,000 families, on SQLite and PostgreSQL.

    .venv/bin/python bench/dashboard.py [--families 100000] [--repeat 15]

Seeds the families as `bench/console_pages.py` does (four offices, registered one a minute back from NOW:
ten weeks of them), then a month of work: ten training events of 2,000 guests each (answers and attendance
among them), 40 canteen opportunities with 5,000 applications, two messages a family over the last 60 days
(sent, blocked, needing a template, failed), and 3,000 questions. Signs in a staff member of one office and
an admin, and fetches the dashboard as the browser does: the full HTTP round trip (session, the office
action's queries, the charts and tables rendered). Each figure is the median and the slowest of --repeat
fetches, after one unmeasured fetch. The target is 300 ms.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench import passing_key
from bench.console_pages import NOW, OFFICES, fetch_pages, run, seed, seeded
from storage.models import CanteenApplication, CanteenOpportunity, Delivery, Event, EventGuest, Thread

STATUSES = ("sent", "sent", "sent", "blocked", "needs_template", "failed")
ANSWERS = ("going", "not_going", "invited", "waitlisted")


def a_month(session: Session, families: int) -> None:
    for number in range(1, 11):
        starts = NOW + timedelta(days=number * 3 - 15)
        session.add(
            Event(
                id=number,
                title_ar=f"فعالية {number}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                venue_ar="المركز",
                audience={"offices": [OFFICES[number % 4]]},
                invite_at=starts - timedelta(days=7),
                invited_at=starts - timedelta(days=7),
                created_by="bench",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    session.flush()
    guests = [
        {
            "event_id": event,
            "beneficiary_id": family,
            "office_code": OFFICES[family % 4],  # as `seed` gives her
            "status": ANSWERS[family % 4],
            "answered_at": NOW if family % 4 != 2 else None,
            "invited_at": NOW,
            "attended_at": NOW if family % 7 == 0 and event < 5 else None,
        }
        for event in range(1, 11)
        for family in range(event * 2_000, min(event * 2_000 + 2_000, families + 1))
    ]
    if guests:
        session.execute(insert(EventGuest), guests)
    for number in range(1, 41):
        session.add(
            CanteenOpportunity(
                id=number,
                school_name=f"مدرسة {number}",
                stage="primary",
                girls=True,
                district="الحي",
                office_code=OFFICES[number % 4],
                students=300,
                starts_on=(NOW + timedelta(days=60)).date(),
                deadline=NOW + timedelta(days=number - 20),
                places=3,
                created_by="bench",
                created_at=NOW,
            )
        )
    session.flush()
    session.execute(
        insert(CanteenApplication),
        [
            {
                "opportunity_id": 1 + family % 40,
                "beneficiary_id": family,
                "applied_at": NOW,
                "status": ("applied", "shortlisted", "accepted", "rejected", "withdrawn")[family % 5],
            }
            for family in range(1, min(families, 5_000) + 1)
        ],
    )
    for start in range(1, families + 1, 5_000):
        rows: list[dict[str, Any]] = []
        for family in range(start, min(start + 5_000, families + 1)):
            for message in range(2):
                made = NOW - timedelta(minutes=(family * 7 + message * 5_000) % (60 * 24 * 60))
                status = STATUSES[(family + message) % 6]
                rows.append(
                    {
                        "kind": "announcement",
                        "source_id": message + 1,
                        "beneficiary_id": family,
                        "payload": {},
                        "status": status,
                        "attempts": 1,
                        "next_attempt_at": made,
                        "channel": ("telegram", "whatsapp")[family % 2]
                        if status != "needs_template"
                        else None,
                        "created_at": made,
                        "updated_at": made,
                    }
                )
        session.execute(insert(Delivery), rows)
    session.execute(
        insert(Thread),
        [
            {
                "office_code": OFFICES[n % 4],
                "family_id": 1 + n % families,
                "channel": "telegram",
                "address": str(9000 + n),
                "status": "open" if n % 10 == 0 else "closed",
                "opened_at": NOW - timedelta(hours=n % 1_000),
                "first_answered_at": NOW - timedelta(hours=n % 1_000) + timedelta(minutes=n % 600)
                if n % 10
                else None,
            }
            for n in range(1, 3_001)
        ],
    )


async def measure(url: str, label: str, families: int, repeat: int) -> None:
    def fill(session: Session) -> None:
        seed(session, families)
        a_month(session, families)

    await seeded(url, label, families, fill)
    await fetch_pages(url, label, [("staff", "/console/"), ("admin", "/console/")], repeat, NOW)


if __name__ == "__main__":
    passing_key()  # its throwaway databases, sealed as real ones
    run(measure, __doc__)
