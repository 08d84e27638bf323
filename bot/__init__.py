"""The composition root: settings, the `usar` command line, and wiring of storage, engine and channels."""
