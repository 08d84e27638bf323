"""The metrics address (USAR_METRICS_HOST and USAR_METRICS_PORT): GET /metrics in Prometheus' text format,
and GET /readyz with its details (role, migration). Apart from the public web server, so that neither the
counts nor the schema's version are told to the world; off unless USAR_METRICS_PORT is set."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.web import Readiness
from core.metrics import OPEN_QUESTIONS, OUTBOX_DEPTH, OUTBOX_OLDEST, REGISTRY
from storage import deliveries, threads
from storage.db import Database, is_unreachable

log = logging.getLogger(__name__)


def metrics_app(database: Database, readiness: Readiness, clock: Callable[[], datetime]) -> web.Application:
    app = web.Application()

    async def metrics(request: web.Request) -> web.Response:
        now = clock()
        try:
            due, questions = await database.run(
                lambda session: (deliveries.due_by_kind(session, now), threads.open_by_office(session))
            )
        except Exception as exc:  # the counters are still worth reading; what the database says is not here
            if not is_unreachable(exc):
                raise
            due, questions = None, None
        for gauge in (OUTBOX_DEPTH, OUTBOX_OLDEST, OPEN_QUESTIONS):
            gauge.clear()
        for kind, (count, oldest) in (due or {}).items():
            OUTBOX_DEPTH.labels(kind).set(count)
            OUTBOX_OLDEST.labels(kind).set(max(0.0, (now - oldest).total_seconds()))
        for office, count in (questions or {}).items():
            OPEN_QUESTIONS.labels(office).set(count)
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def readyz(request: web.Request) -> web.Response:
        ready, details = await readiness()
        return web.json_response(details, status=200 if ready else 503)

    app.router.add_get("/metrics", metrics)
    app.router.add_get("/readyz", readyz)
    return app
