"""The database itself: migrations, prepared statements, group commit on SQLite."""
