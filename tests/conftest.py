from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles

from bot.service import Service
from conversations.engine.engine import Engine
from conversations.flows import all_flows
from office import passwords
from storage import sealing
from storage.db import Database
from tests.support.databases import empty_postgres, postgres_database, sqlite_copy, sqlite_template
from tests.support.fake_telegram import FakeTelegram, settings_for
from tests.support.fake_twilio import AUTH_TOKEN, FakeTwilio
from tests.support.people import Clock, Person
from tests.support.sealing import TEST_KEYS, keyring_of_the_tests

# Every process a test starts (the `usar` command, a worker) seals with the tests' key, as this one does.
os.environ["USAR_DATA_KEY"] = TEST_KEYS
sealing.use(keyring_of_the_tests())


@pytest.fixture(scope="session", autouse=True)
def cheap_passwords() -> None:
    """Console passwords hashed with argon2's cheapest parameters, as argon2-cffi advises for tests."""
    passwords.use(PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture(scope="session")
def sqlite_template_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with sqlite_template(tmp_path_factory.mktemp("template")) as path:
        yield path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("sqlite_template_path"), tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def sqlite_url(sqlite_template_path: Path, tmp_path: Path) -> str:
    return sqlite_copy(sqlite_template_path, tmp_path)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    if not db.is_sqlite:
        await empty_postgres(db)
    yield db
    await db.dispose()


@pytest.fixture
async def postgres(postgres_url: str) -> AsyncIterator[Database]:
    """The PostgreSQL database alone, emptied: for what only PostgreSQL does (several worker processes)."""
    db = Database(postgres_url)
    await empty_postgres(db)
    yield db
    await db.dispose()


@pytest.fixture
async def polling(
    database: Database, database_url: str, fake_telegram: FakeTelegram, clock: Clock
) -> AsyncIterator[Service]:
    """Usar running, long-polling the fake Bot API (no scheduled jobs: tests run them)."""
    service = Service(
        settings_for(database_url, fake_telegram), clock=clock, run_jobs=False, sleep=clock.sleep
    )
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, all_flows())


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    """A fake Twilio REST API (messages, media, the Content API) on 127.0.0.1."""
    fake = FakeTwilio(auth_token=AUTH_TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram Bot API server on 127.0.0.1."""
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fatima(engine: Engine, clock: Clock) -> Person:
    """A new beneficiary writing in Arabic from the terminal."""
    return Person(engine, clock, address="966500000001")


@pytest.fixture
def mary(engine: Engine, clock: Clock) -> Person:
    """A new beneficiary who prefers English."""
    return Person(engine, clock, address="966500000002", language_hint="en")
