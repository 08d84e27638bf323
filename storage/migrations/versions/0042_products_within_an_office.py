"""The families list within an office at a million families (decision 0122). A family's products with her
office beside them: `beneficiary_products.office_code`, filled
from her row, kept hers by a foreign key on (family, office) that follows her office when it changes
(ON UPDATE CASCADE, on both databases), and an index of (office, product, family) so that the families of an
office making a product are one range of it.

The key a foreign key names must be unique: `ux_beneficiaries_office` on beneficiaries (id, office_code), an
index (no copy of `beneficiaries`, whose FTS triggers a copy would drop: decision 0120).

SQLite can't add a foreign key to a table: `beneficiary_products` is made again, filled from the old one
joined to the families, and takes its name. PostgreSQL adds the column and fills it in place.

On SQLite, the search index for part of a name (`beneficiary_names`, FTS5 trigrams, migration 0040) is made
again with her office in each row's number: the rowid is her office's number (`beneficiary_name_offices`,
given to each office code the first time a family names it) times 2^40, plus her family's number. An FTS5
table keeps each trigram's families in rowid order, so "her office's names with this part" is one range of
rowids, which FTS5 seeks to, whatever the other offices hold. The triggers keep it when a family is added,
deleted, renamed, or moves to another office.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

FAMILY_KEY = "ux_beneficiaries_office"
FOREIGN_KEY = "fk_beneficiary_products_family"
BY_OFFICE = "ix_beneficiary_products_office"
BY_PRODUCT = "ix_beneficiary_products_product"
TOGETHER = "st_beneficiary_products_office_product"  # offices and products counted together

COMPACT = "replace({}name_key, ' ', '')"  # the folded name, spaces removed (as 0040)
ROWID = "((SELECT number FROM beneficiary_name_offices WHERE code = {0}office_code) << 40) | {0}id"
OFFICE_NAMED = "INSERT OR IGNORE INTO beneficiary_name_offices (code) VALUES (new.office_code);"
NEW_ROW = (
    f"INSERT INTO beneficiary_names (rowid, name) VALUES ({ROWID.format('new.')}, {COMPACT.format('new.')});"
)
# SQLite: her office's number in the rowid of her name's row (storage.beneficiaries.NameContains reads it so).
# A later migration that copies `beneficiaries` (a batch alter) drops these triggers: it must make them again.
SQLITE_SEARCH = (
    "CREATE TABLE beneficiary_name_offices (number INTEGER PRIMARY KEY, code VARCHAR(32) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE beneficiary_names USING fts5(name, tokenize = 'trigram')",
    "CREATE TRIGGER beneficiary_names_added AFTER INSERT ON beneficiaries BEGIN "
    + OFFICE_NAMED
    + f" {NEW_ROW} END",
    "CREATE TRIGGER beneficiary_names_changed AFTER UPDATE OF name_key, office_code ON beneficiaries BEGIN "
    + OFFICE_NAMED
    + f" DELETE FROM beneficiary_names WHERE rowid = {ROWID.format('old.')}; {NEW_ROW} END",
    "CREATE TRIGGER beneficiary_names_deleted AFTER DELETE ON beneficiaries BEGIN"
    f" DELETE FROM beneficiary_names WHERE rowid = {ROWID.format('old.')}; END",
    "INSERT INTO beneficiary_name_offices (code) SELECT DISTINCT office_code FROM beneficiaries ORDER BY 1",
    f"INSERT INTO beneficiary_names (rowid, name) SELECT {ROWID.format('')}, {COMPACT.format('')}"
    " FROM beneficiaries",
)
# As migration 0040 made it: the rowid is the family's number.
SQLITE_SEARCH_0040 = (
    "CREATE VIRTUAL TABLE beneficiary_names USING fts5(name, tokenize = 'trigram')",
    "CREATE TRIGGER beneficiary_names_added AFTER INSERT ON beneficiaries BEGIN"
    f" INSERT INTO beneficiary_names (rowid, name) VALUES (new.id, {COMPACT.format('new.')}); END",
    "CREATE TRIGGER beneficiary_names_changed AFTER UPDATE OF name_key ON beneficiaries BEGIN"
    f" UPDATE beneficiary_names SET name = {COMPACT.format('new.')} WHERE rowid = new.id; END",
    "CREATE TRIGGER beneficiary_names_deleted AFTER DELETE ON beneficiaries BEGIN"
    " DELETE FROM beneficiary_names WHERE rowid = old.id; END",
    f"INSERT INTO beneficiary_names (rowid, name) SELECT id, {COMPACT.format('')} FROM beneficiaries",
)


def _search_index_made_again(statements: tuple[str, ...]) -> None:
    """SQLite: the FTS table of names, its triggers (and the offices' numbers) dropped, then made by
    `statements`."""
    for trigger in ("added", "changed", "deleted"):
        op.execute(f"DROP TRIGGER IF EXISTS beneficiary_names_{trigger}")
    op.execute("DROP TABLE IF EXISTS beneficiary_names")
    op.execute("DROP TABLE IF EXISTS beneficiary_name_offices")
    for statement in statements:
        op.execute(statement)


def _made_again(with_office: bool) -> None:
    """SQLite: `beneficiary_products` made again (with her office and its foreign key, or as before), filled
    from the old table."""
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("beneficiary_id", sa.Integer(), primary_key=True),
        sa.Column("product", sa.String(32), primary_key=True),
    ]
    if with_office:
        columns.append(sa.Column("office_code", sa.String(32), nullable=False))
        key: sa.ForeignKeyConstraint = sa.ForeignKeyConstraint(
            ["beneficiary_id", "office_code"],
            ["beneficiaries.id", "beneficiaries.office_code"],
            name=FOREIGN_KEY,
            ondelete="CASCADE",
            onupdate="CASCADE",
        )
        filled = (
            "INSERT INTO beneficiary_products_new (beneficiary_id, product, office_code)"
            " SELECT p.beneficiary_id, p.product, b.office_code FROM beneficiary_products AS p"
            " JOIN beneficiaries AS b ON b.id = p.beneficiary_id"
        )
    else:
        key = sa.ForeignKeyConstraint(["beneficiary_id"], ["beneficiaries.id"], ondelete="CASCADE")
        filled = (
            "INSERT INTO beneficiary_products_new (beneficiary_id, product)"
            " SELECT beneficiary_id, product FROM beneficiary_products"
        )
    op.create_table("beneficiary_products_new", *columns, key)
    op.execute(filled)
    op.drop_table("beneficiary_products")
    op.rename_table("beneficiary_products_new", "beneficiary_products")
    op.create_index(BY_PRODUCT, "beneficiary_products", ["product"])


def upgrade() -> None:
    op.create_index(FAMILY_KEY, "beneficiaries", ["id", "office_code"], unique=True)
    if op.get_bind().dialect.name == "sqlite":
        _made_again(with_office=True)
        _search_index_made_again(SQLITE_SEARCH)
    else:
        op.add_column("beneficiary_products", sa.Column("office_code", sa.String(32), nullable=True))
        op.execute(
            "UPDATE beneficiary_products AS p SET office_code = b.office_code"
            " FROM beneficiaries AS b WHERE b.id = p.beneficiary_id"
        )
        op.alter_column("beneficiary_products", "office_code", nullable=False)
        op.drop_constraint("beneficiary_products_beneficiary_id_fkey", "beneficiary_products", "foreignkey")
        op.create_foreign_key(
            FOREIGN_KEY,
            "beneficiary_products",
            "beneficiaries",
            ["beneficiary_id", "office_code"],
            ["id", "office_code"],
            ondelete="CASCADE",
            onupdate="CASCADE",
        )
    op.create_index(BY_OFFICE, "beneficiary_products", ["office_code", "product", "beneficiary_id"])
    if op.get_bind().dialect.name == "postgresql":
        # Which products each office's families make, counted together: an office none of whose families
        # makes a product is planned as the empty range it is, not as its share of the product's families.
        op.execute(f"CREATE STATISTICS {TOGETHER} (mcv) ON office_code, product FROM beneficiary_products")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {TOGETHER}")
    op.drop_index(BY_OFFICE, table_name="beneficiary_products")
    if op.get_bind().dialect.name == "sqlite":
        _made_again(with_office=False)
        _search_index_made_again(SQLITE_SEARCH_0040)
    else:
        op.drop_constraint(FOREIGN_KEY, "beneficiary_products", "foreignkey")
        op.create_foreign_key(
            "beneficiary_products_beneficiary_id_fkey",
            "beneficiary_products",
            "beneficiaries",
            ["beneficiary_id"],
            ["id"],
            ondelete="CASCADE",
        )
        op.drop_column("beneficiary_products", "office_code")
    op.drop_index(FAMILY_KEY, table_name="beneficiaries")
