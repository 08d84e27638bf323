"""The outbox: deliveries enqueued and claimed, the dispatcher sending them under faults and at a pace,
announcements and their status, a training run by the service through restarts."""
