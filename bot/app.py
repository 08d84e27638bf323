"""Wiring: the database (migrated on start) and the conversation engine with every flow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from typing import TYPE_CHECKING

from bot import backups, keys
from bot.settings import Settings
from office.calendar import CALENDAR_PATH
from storage import tips
from storage.db import Database

if TYPE_CHECKING:
    from conversations.engine.engine import Engine


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """The database, migrated; on SQLite, held against a restore while it is open (storage.backups)."""
    file = backups.sqlite_file(settings.database_url)
    with backups.in_use(file) if file is not None else nullcontext():
        database = Database(settings.database_url)
        try:
            await keys.install(settings, database)
            await database.migrate()
            await keys.check(database)
            await database.run(tips.load_shipped)  # new shipped tips and services; staff's edits stay
            yield database
        finally:
            await database.dispose()


def build_engine(database: Database, settings: Settings) -> Engine:
    """The conversations, where this process answers them (imported here: a worker never needs them)."""
    from conversations.engine.engine import Engine
    from conversations.engine.turn import Setup
    from conversations.flows import all_flows

    calendar = settings.public_endpoint(CALENDAR_PATH) if settings.public_url is not None else None
    setup = Setup(quiet=settings.quiet(), senders=settings.senders(), calendar_url=calendar)
    return Engine(database, all_flows(), default_language=settings.default_language, setup=setup)
