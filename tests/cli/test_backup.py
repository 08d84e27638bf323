"""`usar backup` and `usar restore` as an operator runs them: a copy taken while the database is written to
is whole, and restored gives back exactly its rows; a restore is refused while a process uses the database,
and for a file that is not a whole Usar database; on PostgreSQL, the operator is told the pg_dump command."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from contextlib import closing
from pathlib import Path

from tests.support.processes import USAR, usar, usar_environment

Rows = list[tuple[str, str, str]]


def rows(database: Path) -> Rows:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(
            "SELECT channel, platform_id, seen_at FROM seen_messages ORDER BY 1, 2"
        ).fetchall()


def test_a_copy_taken_while_messages_arrive_is_whole_and_restores_to_the_same_rows(tmp_path: Path) -> None:
    assert usar("migrate", cwd=tmp_path).returncode == 0
    database, copy = tmp_path / "usar.db", tmp_path / "backup.db"
    stop = threading.Event()

    def messages_arrive() -> None:  # each message is two rows, written in one transaction
        with closing(sqlite3.connect(database, timeout=30)) as connection:
            n = 0
            while not stop.is_set():
                with connection:
                    for channel in ("telegram", "whatsapp"):
                        connection.execute(
                            "INSERT INTO seen_messages VALUES (?, ?, '2026-12-07 10:00:00.000000')",
                            (channel, str(n)),
                        )
                n += 1

    writer = threading.Thread(target=messages_arrive)
    writer.start()
    try:
        result = usar("backup", str(copy), cwd=tmp_path)
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    assert "backed up to" in result.stdout
    backed_up = rows(copy)
    telegram = [row for row in backed_up if row[0] == "telegram"]
    assert telegram and len(backed_up) == 2 * len(telegram)  # no message caught half-written
    assert copy.stat().st_mode & 0o077 == 0  # the owner's alone: it holds every family's data
    later = rows(database)
    assert len(later) > len(backed_up) or later == backed_up

    result = usar("restore", str(copy), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert rows(database) == backed_up  # as it was at the copy
    [kept] = tmp_path.glob("usar.db.before-restore-*")
    assert rows(kept) == later  # what it replaced is kept


def test_a_restore_is_refused_while_usar_runs_on_the_database(tmp_path: Path) -> None:
    assert usar("migrate", cwd=tmp_path).returncode == 0
    assert usar("backup", "backup.db", cwd=tmp_path).returncode == 0
    running = subprocess.Popen(
        [str(USAR), "run"],
        cwd=tmp_path,
        env=usar_environment(USAR_HTTP_PORT="0"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert running.stderr is not None
        while "web server listening" not in (line := running.stderr.readline()):
            assert line, "it stopped before serving"
        before = (tmp_path / "usar.db").read_bytes()
        result = usar("restore", "backup.db", cwd=tmp_path)
        assert result.returncode == 2
        assert (
            result.stderr.strip()
            == f"usar: the database {tmp_path / 'usar.db'} is in use: stop every usar process on it first"
        )
        assert (tmp_path / "usar.db").read_bytes() == before and not list(tmp_path.glob("*.before-restore-*"))
    finally:
        running.terminate()
        running.wait(timeout=30)
    assert usar("restore", "backup.db", cwd=tmp_path).returncode == 0  # once it has stopped


def test_a_file_that_is_not_a_whole_usar_database_is_not_restored(tmp_path: Path) -> None:
    assert usar("migrate", cwd=tmp_path).returncode == 0
    (tmp_path / "notes.txt").write_text("not a database\n" * 100)
    with closing(sqlite3.connect(tmp_path / "other.db")) as other:
        other.execute("CREATE TABLE alembic_version (version_num TEXT)")
        other.execute("INSERT INTO alembic_version VALUES ('9999')")
        other.commit()
    before = rows(tmp_path / "usar.db")
    said = {
        "notes.txt": "is not a Usar database",
        "other.db": "is at a migration this version of Usar does not know",
        "missing.db": "there is no file at",
    }
    for name, words in said.items():
        result = usar("restore", name, cwd=tmp_path)
        assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert rows(tmp_path / "usar.db") == before


def test_on_postgresql_the_operator_is_told_the_pg_dump_command_without_the_password(tmp_path: Path) -> None:
    result = usar(
        "backup",
        "usar.dump",
        cwd=tmp_path,
        USAR_DATABASE_URL="postgresql://usar:secret@db.example.org:5432/usar",
    )
    assert result.returncode == 0
    assert (
        "pg_dump --format=custom --file=usar.dump 'postgresql://usar@db.example.org:5432/usar'"
        in result.stdout
    )
    assert "secret" not in result.stdout
