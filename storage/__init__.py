"""Persistence: SQLAlchemy 2 models, the database and its transactions, queries grouped by aggregate,
and the Alembic migrations that are the only way the schema changes."""
