"""Alembic's entry: runs on the connection the app hands over, or on its own for the alembic CLI."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from storage.models import Base, in_the_models

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=in_the_models,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone() -> None:
    from storage.db import async_url

    url = async_url(os.environ.get("USAR_DATABASE_URL", "sqlite:///usar.db"))
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_standalone())
