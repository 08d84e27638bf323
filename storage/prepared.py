"""Statements built once for the queries every conversation turn makes, and run as cheaply as the
database allows.

SQLAlchemy's execution (compiling or finding the compiled form in its cache, events, result objects)
costs about ten times what SQLite itself does for a small statement. For the few statements a turn
makes — her state, the checks while she registers, the menu's questions — that overhead was most of
the turn (docs/PERFORMANCE.md). A `Prepared` statement goes to SQLite's driver as the SQL SQLAlchemy
compiles for SQLite, with the values converted by the columns' own types, both worked out once
(`DriverStatement`); on PostgreSQL it runs as the Core statement it is, through SQLAlchemy as usual.

What a prepared statement does not do, on either database, is what a plain Core statement run on
`session.connection()` does not do either: ORM objects already loaded in the Session are not updated by
its writes (storage functions that write this way say what they do about it). And on SQLite it skips
SQLAlchemy's events and `echo` logging, and the engine's own dialect settings (a custom JSON serializer).
A statement that relies on what SQLAlchemy computes at each execution — a column's Python-side default,
an expanding IN — is refused when it is prepared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Delete, Insert, Select, Update

from storage.db import execute_on_driver

Statement = Select[*tuple[Any, ...]] | Insert | Update | Delete
Row = dict[str, Any]


class DriverStatement:
    """A statement for SQLite's driver, prepared once: the SQL SQLAlchemy compiles for SQLite, and the
    conversions SQLAlchemy's column types make on the way in and out (JSON text, UTC times, booleans),
    which is all that SQLAlchemy would otherwise redo, with much else, on every execution."""

    dialect = sqlite.dialect(paramstyle="named")

    def __init__(self, statement: Statement) -> None:
        compiled = statement.compile(dialect=self.dialect)
        if compiled.insert_prefetch or compiled.update_prefetch:
            # SQLAlchemy would compute these columns' Python-side defaults at each execution.
            left_out = [column.name for column in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise ValueError(f"give every column with a default a value: {', '.join(left_out)}")
        if compiled.post_compile_params:
            raise ValueError("an expanding IN (…) is rendered per execution: it cannot be prepared")
        self.sql = str(compiled)
        self._to_driver: dict[str, Callable[[Any], Any]] = {}
        self._fixed: dict[str, Any] = {}  # the values written in the statement: a LIMIT, a `true`
        for name, parameter in compiled.binds.items():
            convert = parameter.type.dialect_impl(self.dialect).bind_processor(self.dialect)
            if not parameter.required:
                value = parameter.effective_value
                self._fixed[name] = value if convert is None else convert(value)
            elif convert is not None:
                self._to_driver[name] = convert
        self._columns: list[tuple[str, Callable[[Any], Any] | None]] = []
        if isinstance(statement, Select):
            self._columns = [
                (column.name, column.type.dialect_impl(self.dialect).result_processor(self.dialect, None))
                for column in statement.selected_columns
            ]

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> Any:
        """Run it in the connection's transaction; the driver's cursor."""
        return execute_on_driver(connection, self.sql, self._converted(values))

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        execute_on_driver(connection, self.sql, [self._converted(row) for row in rows]).close()

    def _converted(self, values: Mapping[str, Any]) -> dict[str, Any]:
        converted = {**self._fixed, **values}
        for name, convert in self._to_driver.items():
            if name in converted:
                converted[name] = convert(converted[name])
        return converted

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[Row]:
        cursor = self.execute(connection, values)
        fetched = cursor.fetchall()
        cursor.close()
        return [self._row(row) for row in fetched]

    def _row(self, row: Sequence[Any]) -> Row:
        return {
            name: value if out is None else out(value)
            for (name, out), value in zip(self._columns, row, strict=True)
        }

    def rowcount(self, connection: Connection, values: Mapping[str, Any]) -> int:
        cursor = self.execute(connection, values)
        count: int = cursor.rowcount
        cursor.close()
        return count

    def new_id(self, connection: Connection, values: Mapping[str, Any]) -> int:
        cursor = self.execute(connection, values)
        new: int = cursor.lastrowid
        cursor.close()
        return new


class Prepared:
    """A Core statement built once; on SQLite it runs through the driver (`DriverStatement`)."""

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self._driver = DriverStatement(statement)
        self._returning_id: Insert | None = None
        if isinstance(statement, Insert):
            table = statement.table
            assert isinstance(table, Table)
            self._returning_id = statement.returning(*table.primary_key.columns)

    def rows(self, session: Session | Connection, values: Mapping[str, Any] | None = None) -> list[Row]:
        connection = _connection(session)
        if _on_sqlite(connection):
            return self._driver.rows(connection, values or {})
        return [row._asdict() for row in connection.execute(self.statement, dict(values or {}))]

    def first(self, session: Session | Connection, values: Mapping[str, Any] | None = None) -> Row | None:
        found = self.rows(session, values)
        return found[0] if found else None

    def scalar(self, session: Session | Connection, values: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None when there is no row."""
        found = self.first(session, values)
        return None if found is None else next(iter(found.values()))

    def rowcount(self, session: Session | Connection, values: Mapping[str, Any] | None = None) -> int:
        """Run a write; how many rows it changed."""
        connection = _connection(session)
        if _on_sqlite(connection):
            return self._driver.rowcount(connection, values or {})
        return connection.execute(self.statement, dict(values or {})).rowcount

    def new_id(self, session: Session | Connection, values: Mapping[str, Any]) -> int:
        """Run an INSERT; the primary key of the row it added."""
        connection = _connection(session)
        if _on_sqlite(connection):
            return self._driver.new_id(connection, values)
        assert self._returning_id is not None, "new_id is for an INSERT"
        new: int = connection.execute(self._returning_id, dict(values)).scalar_one()
        return new

    def many(self, session: Session | Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a write once for every row of values."""
        if not rows:
            return
        connection = _connection(session)
        if _on_sqlite(connection):
            self._driver.execute_many(connection, rows)
        else:
            connection.execute(self.statement, [dict(row) for row in rows])


def _connection(session: Session | Connection) -> Connection:
    """The connection to run on; a Session's pending changes are flushed first, as its `execute` would."""
    if isinstance(session, Connection):
        return session
    if session.autoflush:
        session.flush()  # nothing to do, and cheap, when nothing is pending
    bind = session.bind
    if (
        isinstance(bind, Connection)
        and session.join_transaction_mode == "conditional_savepoint"
        and bind.in_transaction()
        and not bind.in_nested_transaction()
    ):
        # A Session given a connection in a transaction (a turn's, `storage.db._Group`) joins that transaction
        # as it is, in this mode (SQLAlchemy's default): `Session.connection` would give the same connection,
        # but beginning the Session's own bookkeeping costs more than the statement. The Session still begins
        # if ORM work follows, and then on the same connection and transaction.
        return bind
    return session.connection()


def _on_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"
