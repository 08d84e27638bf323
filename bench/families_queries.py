"""The families list's queries alone (no HTTP, no page rendered) on a database already seeded, as
bench/console_pages.py seeds it: for each search of that benchmark, the page's query and the count's, the
median of 5 runs.

    .venv/bin/python bench/families_queries.py sqlite:////tmp/families.db [label ...]

Families' rows are not loaded (their sealed numbers would need the key they were sealed with): the page's
query reads their numbers only, in the list's order. Used to see which query a slow page spends its time in.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session

from storage.audiences import Audience
from storage.beneficiaries import GATHERED, SHORTEST_INDEXED, Order, Reach, Search, count_query, page_query
from storage.beneficiaries import _key_of as key_of
from storage.beneficiaries import _narrowed as narrowed
from storage.db import Database
from storage.models import Beneficiary

JEDDAH = ("jeddah",)
SEARCHES: dict[str, tuple[Search, int | None]] = {
    "first page": (Search(Audience(offices=JEDDAH)), None),
    "a deep page": (Search(Audience(offices=JEDDAH)), 60_002),
    "by name": (Search(Audience(offices=JEDDAH), order=Order.NAME), None),
    "q=فاطمه": (Search(Audience(offices=JEDDAH), name_key="فاطمه"), None),
    "q=هند": (Search(Audience(offices=JEDDAH), name_key="هند"), None),
    "q=هن": (Search(Audience(offices=JEDDAH), name_key="هن"), None),
    "a full name": (Search(Audience(offices=JEDDAH), name_key="فاطمه احمد الزهراني"), None),
    "4 digits": (Search(Audience(offices=JEDDAH), national_id_tail="0008"), None),
    "verified": (Search(Audience(offices=JEDDAH, verified=True)), None),
    "waiting, oldest": (
        Search(Audience(offices=JEDDAH, verified=False), correction=False, order=Order.OLDEST),
        None,
    ),
    "canteen, by name": (Search(Audience(offices=JEDDAH, canteen_interest=True), order=Order.NAME), None),
    "product": (Search(Audience(offices=JEDDAH, products=("sewing",))), None),
    "verified+canteen+product": (
        Search(Audience(offices=JEDDAH, verified=True, canteen_interest=True, products=("sewing",))),
        None,
    ),
    "telegram+stopped": (Search(Audience(offices=JEDDAH, channel="telegram"), reach=Reach.STOPPED), None),
    "blocked": (Search(Audience(offices=JEDDAH), reach=Reach.BLOCKED), None),
    "admin, by office": (Search(order=Order.OFFICE), None),
    "admin, by name": (Search(order=Order.NAME), None),
    "admin, jeddah by office": (Search(Audience(offices=JEDDAH), order=Order.OFFICE), None),
    "admin, q=هند": (Search(name_key="هند"), None),
}


def measure(session: Session, only: list[str]) -> None:
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    for label, (search, after) in SEARCHES.items():
        if only and label not in only:
            continue
        pages, counts, rows, total = [], [], 0, 0
        for _ in range(5):
            started = time.perf_counter()
            lazily = on_postgresql and len((search.name_key or "").replace(" ", "")) >= SHORTEST_INDEXED
            total = int(session.scalar(count_query(search, lazily=lazily)) or 0)
            counts.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            key = key_of(session, search, after) if after else None
            query = page_query(search, 51, key, gathered=total <= GATHERED and narrowed(search))
            rows = len(session.execute(query.with_only_columns(Beneficiary.id)).all()) if total else 0
            pages.append((time.perf_counter() - started) * 1000)
        print(
            f"{label:<26} {rows:>3} rows, {total:>5} counted   count {statistics.median(counts):6.1f} ms"
            f"   page {statistics.median(pages):6.1f} ms",
            flush=True,
        )


async def main(url: str, only: list[str]) -> None:
    database = Database(url)
    try:
        await database.run(lambda session: measure(session, only))
    finally:
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
