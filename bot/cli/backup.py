"""`usar backup FILE` and `usar restore FILE`: a consistent copy of a SQLite database taken while Usar runs,
and a backup put back once every process on it has stopped (storage.backups); on PostgreSQL, the pg_dump and
pg_restore commands to use."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from bot import backups
from bot.cli.arguments import UsageError
from bot.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser(
        "backup", help="copy the database to FILE while Usar runs (SQLite); on PostgreSQL, say how (pg_dump)"
    )
    backup.add_argument("file", type=Path, metavar="FILE", help="a new file for the copy")
    backup.set_defaults(run=run_backup)
    restore = commands.add_parser(
        "restore",
        help="put a backup FILE in place of the SQLite database, once every usar process is stopped",
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="a file `usar backup` made")
    restore.set_defaults(run=run_restore)


async def run_backup(arguments: argparse.Namespace, settings: Settings) -> int:
    database = backups.sqlite_file(settings.database_url)
    if database is None:
        print(
            "usar: on PostgreSQL, back up with pg_dump (it reads the password from PGPASSWORD or ~/.pgpass):"
        )
        print(backups.pg_dump_command(settings.database_url, arguments.file))
        return 0
    try:
        migration = backups.backup(database, arguments.file)
    except backups.BackupError as problem:
        raise UsageError(str(problem)) from None
    print(f"usar: {database} backed up to {arguments.file} (migration {migration:04d}).")
    return 0


async def run_restore(arguments: argparse.Namespace, settings: Settings) -> int:
    database = backups.sqlite_file(settings.database_url)
    if database is None:
        raise UsageError(
            "on PostgreSQL, restore with pg_restore into a new database, then point USAR_DATABASE_URL at it: "
            f"pg_restore --create --dbname=postgres {arguments.file}"
        )
    try:
        kept = backups.restore(arguments.file, database, datetime.now(UTC))
    except backups.BackupError as problem:
        raise UsageError(str(problem)) from None
    print(f"usar: {arguments.file} restored to {database}.")
    if kept is not None:
        print(f"usar: the database it replaced is kept as {kept}.")
    return 0
