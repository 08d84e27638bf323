"""The composition root: settings and logging, the `usar` command line (cli/), the wiring of storage, engine
and channels (app, service, web, jobs), and the outbox's worker (outbox/)."""
