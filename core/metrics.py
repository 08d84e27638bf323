"""What the process counts for Prometheus, kept by the code that does the work and read at GET /metrics on the
metrics address (bot.metrics). Labels carry channels, kinds, outcomes, jobs and offices: never an address,
a name or a number of hers."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.process_collector import ProcessCollector

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # memory, CPU, open files of this process

INBOUND = Counter(
    "usar_inbound_updates",
    "Messages from families and staff answered, by channel",
    ["channel"],
    registry=REGISTRY,
)
INBOUND_LIMITED = Counter(
    "usar_inbound_limited",
    "Messages set aside because their sender wrote faster than the limit (the notice's included), by channel",
    ["channel"],
    registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "usar_turn_seconds",
    "From a message taken in hand to its answer ready, by channel",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
SENDS = Counter(
    "usar_sends",
    "Messages the outbox tried to send, by channel and outcome (sent, retry_after, blocked, transient, "
    "permanent, needs_template)",
    ["channel", "outcome"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "usar_rate_limited",
    "Sends the platform answered with 429 (slow down), by channel",
    ["channel"],
    registry=REGISTRY,
)
JOB_RUNS = Counter("usar_job_runs", "Scheduled jobs run, by job", ["job"], registry=REGISTRY)
JOB_FAILURES = Counter("usar_job_failures", "Scheduled jobs that failed, by job", ["job"], registry=REGISTRY)
SIGN_IN_FAILURES = Counter(
    "usar_console_sign_in_failures",
    "Console sign-ins refused (a wrong password, a locked login)",
    registry=REGISTRY,
)
# Read from the database when Prometheus asks (bot.metrics), not counted as things happen.
OUTBOX_DEPTH = Gauge(
    "usar_outbox_due", "Messages due in the outbox and not sent yet, by kind", ["kind"], registry=REGISTRY
)
OUTBOX_OLDEST = Gauge(
    "usar_outbox_oldest_due_seconds",
    "How long the oldest due message has waited, by kind",
    ["kind"],
    registry=REGISTRY,
)
OPEN_QUESTIONS = Gauge(
    "usar_open_questions", "Families' questions open, by office", ["office"], registry=REGISTRY
)
