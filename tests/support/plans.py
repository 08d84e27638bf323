"""A query's plan, as the database would run it: EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ClauseElement, Executable, Select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler


class Explained(Executable, ClauseElement):
    """A query's plan: EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""

    inherit_cache = False

    def __init__(self, query: Select[Any]) -> None:
        self.query = query


@compiles(Explained)
def _explained(element: Explained, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN " + compiler.process(element.query, **kw)


@compiles(Explained, "sqlite")
def _explained_on_sqlite(element: Explained, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN QUERY PLAN " + compiler.process(element.query, **kw)


def plan(session: Session, query: Select[Any]) -> str:
    """The plan of `query`, a line a step."""
    rows = session.execute(Explained(query)).all()
    return "\n".join(str(row[-1]) for row in rows)  # PostgreSQL: one column; SQLite: the detail, last
