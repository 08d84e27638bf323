"""The `usar` command line: run as a process, as staff and scripts run it, and `usar events` as staff use it
(its commands called on the test database)."""
