"""A PostgreSQL database of a benchmark's own, on the bench's server (USAR_BENCH_POSTGRES_URL, default the
local test server), dropped after."""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
from sqlalchemy.engine import make_url

SERVER_VARIABLE = "USAR_BENCH_POSTGRES_URL"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


async def on_scratch_postgres(label: str, measure: Callable[[str], Awaitable[None]]) -> None:
    """`measure` given the URL of a new database on the server, dropped after; where no server answers, one
    line under `label` says the part is skipped."""
    server = os.environ.get(SERVER_VARIABLE, DEFAULT_SERVER)
    plain = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(plain)
    except (OSError, asyncpg.PostgresError) as problem:
        print(f"{label}  skipped: no server at {server} ({problem})")
        return
    name = f"usar_bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        await measure(make_url(server).set(database=name).render_as_string(hide_password=False))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
