"""The office actions: one function per thing office staff do, in one module per area of their work.

Each action takes who acts (`rights.Actor`: a staff member, or the operator), its arguments and `now`;
reads her rights from the database and checks them itself (`rights`); does the work in the caller's unit of
work, inside a savepoint, so that a refusal leaves nothing half-done; records itself once in the audit log
(`audit`); and queues in the outbox what families must be told. The staff chat (conversations/), the
`usar` command line (bot/) and the scheduler only translate to and from these functions.

A refusal is an `errors.OfficeError` whose message is in the reader's language (the command line reads
English): nothing was changed.
"""
