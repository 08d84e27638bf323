"""What an announcement's enqueue costs on PostgreSQL, part by part (decision 0123): the statement
`deliveries.enqueue(…, distinct=True)` runs for every family, with the deliveries' table as it is and with one
foreign key or index taken away at a time.

    .venv/bin/python bench/enqueue_parts.py postgresql://postgres@127.0.0.1:5432/NAME [--seed 1000000]
                                            [variant ...]

NAME is a database of the bench's own: migrated to the head (each run) and, with --seed, given that many
families as bench/broadcast.py seeds them (once; later runs reuse it). Each variant runs on one connection:
CHECKPOINT, then in one transaction TRUNCATE deliveries, the variant's DDL, the INSERT … SELECT (timed), and
ROLLBACK, so the database is left as it was. Printed: the wall-clock time and the server process's own CPU
time (from /proc/<pid>/stat: the server must run on this machine), which a loaded machine stretches much less.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import passing_key
from bench.broadcast import add_families
from storage.db import Database

# As `deliveries.enqueue` sends it for `select(Beneficiary.id)` (bench/broadcast.py's announcement).
ENQUEUE = """
INSERT INTO deliveries (kind, source_id, beneficiary_id, payload, status, attempts, next_attempt_at,
                        created_at, updated_at)
SELECT 'announcement', 1, audience.id,
       '{"ar": "ملتقى الأسر المنتجة يوم الثلاثاء", "en": "The forum is on Tuesday"}'::json, 'pending', 0,
       '2026-11-28 06:00:00', '2026-11-28 06:00:00', '2026-11-28 06:00:00'
FROM (SELECT beneficiaries.id AS id FROM beneficiaries) AS audience WHERE true
"""
LOCKED = ENQUEUE.replace("FROM beneficiaries)", "FROM beneficiaries FOR KEY SHARE)")
OTHER_KEYS = (
    "fk_deliveries_contact_id_contacts",
    "fk_deliveries_thread_id_threads",
    "fk_deliveries_staff_id_staff",
)
FAMILY_KEY = "deliveries_beneficiary_id_fkey"


def _without(*keys: str) -> str:
    return "ALTER TABLE deliveries " + ", ".join(f"DROP CONSTRAINT {key}" for key in keys)


# name: (DDL before the statement, the statement)
VARIANTS: dict[str, tuple[str, str]] = {
    "as it is": ("", ENQUEUE),
    "no key to the families": (_without(FAMILY_KEY), ENQUEUE),
    "no key to the families, locked by the SELECT": (_without(FAMILY_KEY), LOCKED),
    "no keys of contacts, threads, staff": (_without(*OTHER_KEYS), ENQUEUE),
    "no keys, locked by the SELECT": (_without(FAMILY_KEY, *OTHER_KEYS), LOCKED),
    **{
        f"no {index}": (f"DROP INDEX {index}", ENQUEUE)
        for index in (
            "ix_deliveries_due",
            "ix_deliveries_made",
            "ix_deliveries_beneficiary_id",
            "ix_deliveries_to_empty",
        )
    },
    "no once key": ("ALTER TABLE deliveries DROP CONSTRAINT uq_deliveries_once", ENQUEUE),
}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(url: str, name: str) -> None:
    ddl, statement = VARIANTS[name]
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CHECKPOINT")
        pid = await connection.fetchval("SELECT pg_backend_pid()")
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute("TRUNCATE deliveries")
        if ddl:
            await connection.execute(ddl)
        cpu, started = _cpu_seconds(pid), time.perf_counter()
        await connection.execute(statement)
        wall, cpu = time.perf_counter() - started, _cpu_seconds(pid) - cpu
        await transaction.rollback()
    finally:
        await connection.close()
    load = os.getloadavg()[0]
    print(f"{name:<48} wall {wall:6.2f} s   server CPU {cpu:6.2f} s   (load {load:.2f})", flush=True)


async def main(url: str, seed: int, names: list[str]) -> None:
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        raise SystemExit(f"no such variant: {unknown}; the variants: {list(VARIANTS)}")
    database = Database(plain)
    try:
        await database.migrate()  # to the head, whatever it was seeded at
        if seed:
            await database.run(lambda s: add_families(s, seed))
    finally:
        await database.dispose()
    for name in names:
        await measure(plain, name)


if __name__ == "__main__":
    passing_key()  # the seeded families' numbers, sealed as bench/broadcast.py seals them
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument(
        "--seed", type=int, default=0, help="families to add first (0: the database has them)"
    )
    parser.add_argument("variants", nargs="*", help=f"some of {list(VARIANTS)} (default: all)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.url, arguments.seed, arguments.variants or list(VARIANTS)))
