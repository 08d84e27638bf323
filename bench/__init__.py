"""Benchmarks, run as scripts (`.venv/bin/python bench/<name>.py`); never timed tests."""
