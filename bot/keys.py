"""The data keys of this process (storage.sealing): from USAR_DATA_KEY, else from the key file, else, on a
fresh install, a new key file beside the database, said once in the log. A database that has seen keys
never gets a new one silently: a missing or wrong key stops the start with what to do."""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from bot.settings import Settings, SettingsError
from storage import sealing
from storage.db import Database
from storage.models import Base, DataKey
from storage.sealing import KeyFormatError, Keyring, NoKey

log = logging.getLogger(__name__)


def given(settings: Settings) -> Keyring | None:
    """The keys the settings give (USAR_DATA_KEY, or the key file if it is there); None if neither."""
    try:
        if settings.data_key is not None:
            return Keyring(sealing.parse_keys(settings.data_key.get_secret_value()))
        path = settings.key_file()
        return Keyring.from_file(path) if path.exists() else None
    except KeyFormatError as problem:
        where = "USAR_DATA_KEY" if settings.data_key is not None else str(settings.key_file())
        raise SettingsError(f"the data keys in {where} can't be read: {problem}") from None
    except OSError as problem:
        raise SettingsError(f"the key file {settings.key_file()} can't be read: {problem.strerror}") from None


def _has_seen_keys(session: Session) -> bool:
    if not inspect(session.connection()).has_table(DataKey.__tablename__):
        return False
    return session.scalar(select(DataKey.number).limit(1)) is not None


async def install(settings: Settings, database: Database) -> Keyring:
    """This process's keys, in use for every sealed column, and known to the database (recorded, or checked
    against what it has seen)."""
    keyring = given(settings)
    if keyring is None:
        if await database.run(_has_seen_keys):
            raise SettingsError(
                f"the database holds sealed national IDs and mobiles, but there is no key: put the key file "
                f"back at {settings.key_file()} (or name it with USAR_DATA_KEY_FILE), or give USAR_DATA_KEY"
            )
        keyring = _new_key_file(settings)
    sealing.use(keyring)
    return keyring


async def check(database: Database) -> None:
    """After migrating: the keys match the database's (else a clear stop), and new ones are recorded."""
    try:
        await database.run(lambda session: sealing.recorded_keys(session, datetime.now(UTC)))
    except NoKey as problem:
        raise SettingsError(f"data keys: {problem}: give the keys this database was sealed with") from None


def _new_key_file(settings: Settings) -> Keyring:
    path = settings.key_file()
    try:
        sealing.write_key_file(path, {sealing.LOOKUP_KEY: sealing.new_key()}, new=True)
    except FileExistsError:  # another process of this install made it a moment ago
        return Keyring.from_file(path)
    log.warning(
        "made a new data key at %s: national IDs and mobiles are sealed with it. Keep a copy of it apart "
        "from the database's backups: without it they can't be read",
        path,
    )
    return Keyring.from_file(path)


@dataclass(frozen=True)
class Rotation:
    key: int  # the key every value is sealed under now
    added: bool  # a new key was written to the key file (False: the newest key USAR_DATA_KEY gives)
    values: int  # values sealed again
    older: int  # values still under an older key (a process that did not take the new key yet)


async def rotate(
    settings: Settings, database: Database, *, settle: float = 2 * sealing.RELOAD_SECONDS, batch: int = 500
) -> Rotation:
    """A new key in the key file, then every sealed value sealed again under it, in batches of `batch`
    rows, one transaction each, while the service runs: the processes take the new key within a second of
    the file changing (they are given `settle` seconds), and a value they write meanwhile under the old one
    is met by the next pass. With USAR_DATA_KEY, no key is added: its newest key is the one sealed under."""
    keyring = sealing.keyring()
    added = settings.data_key is None
    if added:
        assert keyring.file is not None
        sealing.write_key_file(keyring.file, {**keyring.keys, keyring.current + 1: sealing.new_key()})
        keyring.reload()
        await check(database)
        await asyncio.sleep(settle)
    values, older = 0, 0
    for _ in range(3):  # a pass, and again for what a process wrote under the old key meanwhile
        for table, names in sealing.sealed_columns(Base.metadata.sorted_tables):
            done = sealing.Resealed()
            while True:
                done = await database.run(
                    partial(sealing.reseal_batch, table=table, names=names, after=done, size=batch)
                )
                if done.last is None:
                    break
            values += done.values
        older = sum(
            [
                await database.run(partial(sealing.under_older_keys, table=table, names=names))
                for table, names in sealing.sealed_columns(Base.metadata.sorted_tables)
            ]
        )
        if older == 0:
            break
    return Rotation(keyring.current, added, values, older)


def next_key(settings: Settings) -> str:
    """A new key, numbered after those given, as USAR_DATA_KEY takes it."""
    keyring = given(settings)
    number = 1 if keyring is None else keyring.current + 1
    return f"{number}:{base64.b64encode(sealing.new_key()).decode()}"
