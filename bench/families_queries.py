"""The families list's queries alone (no HTTP, no page rendered) on a database already seeded, as
bench/console_pages.py seeds it: for each search of that benchmark, the page's query and the count's, the
median of 5 runs.

    .venv/bin/python bench/families_queries.py sqlite:////tmp/families.db [label ...]
    .venv/bin/python bench/families_queries.py --seed 1000000 postgresql://postgres@127.0.0.1:5432/kept

With --seed N, a database holding no families is first migrated and seeded with N families as
bench/console_pages.py seeds them (and analysed); one that holds some is migrated only, and kept as it is:
seed a million once, then measure it as often as needed (the database is yours to make and drop).

Families' rows are not loaded (their sealed numbers would need the key they were sealed with): the page's
query reads their numbers only, in the list's order. Used to see which query a slow page spends its time in.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench import passing_key
from storage.audiences import Audience
from storage.beneficiaries import GATHERED, Order, Reach, Search, counting, page_query
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
    "product, half of hers": (Search(Audience(offices=JEDDAH, products=("cooked_meals",))), None),
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
    dialect = session.get_bind().dialect.name
    for label, (search, after) in SEARCHES.items():
        if only and label not in only:
            continue
        pages, counts, rows, total = [], [], 0, 0
        for _ in range(5):
            started = time.perf_counter()
            total = int(session.scalar(counting(search, dialect)) or 0)
            counts.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            key = key_of(session, search, after) if after else None
            gathered = total <= GATHERED and narrowed(search)
            query = page_query(search, 51, key, gathered=gathered, many=total > GATHERED)
            rows = len(session.execute(query.with_only_columns(Beneficiary.id)).all()) if total else 0
            pages.append((time.perf_counter() - started) * 1000)
        print(
            f"{label:<26} {rows:>3} rows, {total:>5} counted   count {statistics.median(counts):6.1f} ms"
            f"   page {statistics.median(pages):6.1f} ms",
            flush=True,
        )


async def main(url: str, only: list[str], families: int | None) -> None:
    if families is not None:
        await seeded_once(url, families)
    database = Database(url)
    try:
        await database.run(lambda session: measure(session, only))
    finally:
        await database.dispose()


async def seeded_once(url: str, families: int) -> None:
    """The database migrated; seeded with `families` families (as bench/console_pages.py) if it holds none."""
    from bench.console_pages import seed, seeded

    database = Database(url)
    try:
        await database.migrate()
        held = await database.run(lambda s: s.scalar(select(func.count()).select_from(Beneficiary)))
    finally:
        await database.dispose()
    if not held:
        await seeded(url, "seed", families, lambda session: seed(session, families))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    families = None
    if arguments[:1] == ["--seed"]:
        passing_key()  # the families' numbers sealed under a throwaway key, as console_pages.py does
        families, arguments = int(arguments[1]), arguments[2:]
    print(f"load average {' '.join(f'{figure:.2f}' for figure in os.getloadavg())}", flush=True)
    asyncio.run(main(arguments[0], arguments[1:], families))
