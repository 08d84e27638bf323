"""National IDs and mobiles sealed at rest, with look-up keys and their last four digits in clear; what she
types while she registers and the lists waiting to be imported sealed too; the data keys the database has
seen (storage.sealing, decision 0114). Rows already there are sealed here, under the process's keys.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.sealing import keyring

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

FAMILIES = ("beneficiaries", "contacts")


def _purpose(table: str, column: str) -> bytes:
    """As the column's type names it (storage.models): the associated data it is sealed with."""
    return f"{table}.{column}".encode()


def _numbers(name: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer()),
        *(sa.column(column, sa.String()) for column in ("national_id", "mobile", "national_id_sealed")),
        *(sa.column(column, sa.String()) for column in ("mobile_sealed", "national_id_key", "mobile_key")),
        *(sa.column(column, sa.String()) for column in ("national_id_tail", "mobile_tail")),
    )


def _seal_numbers(name: str) -> None:
    ring, table, connection = keyring(), _numbers(name), op.get_bind()
    rows = connection.execute(sa.select(table.c.id, table.c.national_id, table.c.mobile)).all()
    if rows:
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("row")),
            [
                {
                    "row": row.id,
                    "national_id_sealed": ring.seal_text(
                        row.national_id.encode(), _purpose(name, "national_id")
                    ),
                    "national_id_key": ring.key_of(row.national_id),
                    "national_id_tail": row.national_id[-4:],
                    "mobile_sealed": ring.seal_text(row.mobile.encode(), _purpose(name, "mobile")),
                    "mobile_key": ring.key_of(row.mobile),
                    "mobile_tail": row.mobile[-4:],
                }
                for row in rows
            ],
        )


def _seal_in_place(name: str, key: tuple[str, ...], column: str, kind: sa.types.TypeEngine[Any]) -> None:
    """Every value of `column` sealed where it is (its purpose: the table's name and the column's)."""
    ring, connection = keyring(), op.get_bind()
    table = sa.table(name, *(sa.column(part, sa.String()) for part in key), sa.column(column, kind))
    purpose = _purpose(name, column)
    rows = connection.execute(sa.select(*(table.c[part] for part in key), table.c[column])).all()
    if not rows:
        return
    sealed = []
    for row in rows:
        value = row[-1]
        if isinstance(value, bytes | memoryview):
            again: object = ring.seal(bytes(value), purpose)
        else:
            plain = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            again = ring.seal_text(plain.encode(), purpose)
        sealed.append({**{f"k_{part}": row[index] for index, part in enumerate(key)}, column: again})
    connection.execute(
        table.update().where(*(table.c[part] == sa.bindparam(f"k_{part}") for part in key)), sealed
    )


def _open_in_place(name: str, key: tuple[str, ...], column: str, kind: sa.types.TypeEngine[Any]) -> None:
    ring, connection = keyring(), op.get_bind()
    table = sa.table(name, *(sa.column(part, sa.String()) for part in key), sa.column(column, kind))
    purpose = _purpose(name, column)
    rows = connection.execute(sa.select(*(table.c[part] for part in key), table.c[column])).all()
    opened = [
        {
            **{f"k_{part}": row[index] for index, part in enumerate(key)},
            column: ring.open(bytes(row[-1]), purpose)
            if isinstance(row[-1], bytes | memoryview)
            else ring.open_text(row[-1], purpose).decode(),
        }
        for row in rows
    ]
    if opened:
        connection.execute(
            table.update().where(*(table.c[part] == sa.bindparam(f"k_{part}") for part in key)), opened
        )


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("fingerprint", sa.String(16), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
    )
    for name in FAMILIES:
        with op.batch_alter_table(name) as table:
            table.add_column(sa.Column("national_id_sealed", sa.Text(), nullable=True))
            table.add_column(sa.Column("national_id_key", sa.String(32), nullable=True))
            table.add_column(sa.Column("mobile_sealed", sa.Text(), nullable=True))
            table.add_column(sa.Column("mobile_key", sa.String(32), nullable=True))
            table.add_column(sa.Column("mobile_tail", sa.String(4), nullable=False, server_default=""))
            if name == "contacts":
                table.add_column(
                    sa.Column("national_id_tail", sa.String(4), nullable=False, server_default="")
                )
        _seal_numbers(name)
        with op.batch_alter_table(name) as table:
            table.drop_column("national_id")
            table.drop_column("mobile")
            for column in ("national_id_sealed", "national_id_key", "mobile_sealed", "mobile_key"):
                table.alter_column(column, nullable=False)
            table.create_unique_constraint(f"uq_{name}_national_id_key", ["national_id_key"])
            table.create_unique_constraint(f"uq_{name}_mobile_key", ["mobile_key"])
    op.create_index("ix_beneficiaries_mobile_tail", "beneficiaries", ["mobile_tail"])
    with op.batch_alter_table("conversations") as table:
        table.alter_column(
            "answers", type_=sa.Text(), existing_type=sa.JSON(), postgresql_using="answers::text"
        )
    _seal_in_place("conversations", ("channel", "address"), "answers", sa.Text())
    _seal_in_place("uploads", ("token",), "content", sa.LargeBinary())


def downgrade() -> None:
    _open_in_place("uploads", ("token",), "content", sa.LargeBinary())
    _open_in_place("conversations", ("channel", "address"), "answers", sa.Text())
    with op.batch_alter_table("conversations") as table:
        table.alter_column(
            "answers", type_=sa.JSON(), existing_type=sa.Text(), postgresql_using="answers::json"
        )
    op.drop_index("ix_beneficiaries_mobile_tail", table_name="beneficiaries")
    ring, connection = keyring(), op.get_bind()
    for name in FAMILIES:
        with op.batch_alter_table(name) as table:
            table.add_column(sa.Column("national_id", sa.String(10), nullable=True))
            table.add_column(sa.Column("mobile", sa.String(16), nullable=True))
        numbers = _numbers(name)
        rows = connection.execute(
            sa.select(numbers.c.id, numbers.c.national_id_sealed, numbers.c.mobile_sealed)
        ).all()
        if rows:
            connection.execute(
                numbers.update().where(numbers.c.id == sa.bindparam("row")),
                [
                    {
                        "row": row.id,
                        "national_id": ring.open_text(
                            row.national_id_sealed, _purpose(name, "national_id")
                        ).decode(),
                        "mobile": ring.open_text(row.mobile_sealed, _purpose(name, "mobile")).decode(),
                    }
                    for row in rows
                ],
            )
        with op.batch_alter_table(name) as table:
            table.drop_constraint(f"uq_{name}_national_id_key", type_="unique")
            table.drop_constraint(f"uq_{name}_mobile_key", type_="unique")
            for column in (
                "national_id_sealed",
                "national_id_key",
                "mobile_sealed",
                "mobile_key",
                "mobile_tail",
            ):
                table.drop_column(column)
            if name == "contacts":
                table.drop_column("national_id_tail")
            table.alter_column("national_id", nullable=False)
            table.alter_column("mobile", nullable=False)
            table.create_unique_constraint(f"uq_{name}_national_id", ["national_id"])
            table.create_unique_constraint(f"uq_{name}_mobile", ["mobile"])
    op.drop_table("data_keys")
