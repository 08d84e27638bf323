"""An office's list is searched by part of a name on a search index (migration 0043): SQLite's FTS5 table of
trigrams, kept in step with the list by triggers, or PostgreSQL's pg_trgm index. What the list says of each
contact is what the search finds: a new name on a list sent again, and nobody who has left it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from storage import contacts
from storage.contacts import KnownContact
from storage.db import Database
from tests.support.builders import national_id

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def names_found(typed: str) -> Callable[[Session], list[str]]:
    def read(session: Session) -> list[str]:
        found, _total = contacts.found(session, "makkah", 0, 50, name_key=typed)
        return [contact.full_name for contact in found]

    return read


async def test_a_name_is_found_as_the_list_now_has_it(database: Database) -> None:
    aisha = KnownContact(national_id(1), "عائشة محمد الحربي", "+966551110001", "makkah")
    await database.run(lambda s: contacts.save_all(s, [aisha], "sara", NOW))
    assert await database.run(names_found("عايشه")) == ["عائشة محمد الحربي"]  # as families spell it

    renamed = KnownContact(national_id(1), "عائشة محمد القرشي", "+966551110001", "makkah")
    await database.run(lambda s: contacts.save_all(s, [renamed], "sara", NOW))  # her list, sent again
    assert await database.run(names_found("القرشي")) == ["عائشة محمد القرشي"]
    assert await database.run(names_found("الحربي")) == []

    # She registers: her office's copy goes, and the next one imported (perhaps given her number) is not
    # found by her name.
    await database.run(lambda s: contacts.forget(s, national_id(1), "+966551110001"))
    hind = KnownContact(national_id(2), "هند سعيد الغامدي", "+966551110002", "makkah")
    await database.run(lambda s: contacts.save_all(s, [hind], "sara", NOW))
    assert await database.run(names_found("عائشه")) == []
    assert await database.run(names_found("الغامدي")) == ["هند سعيد الغامدي"]
