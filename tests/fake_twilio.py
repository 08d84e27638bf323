"""A fake Twilio REST API on 127.0.0.1 for the real twilio client: it records the messages created and
answers with the errors a test queues, in Twilio's own JSON shapes."""

from __future__ import annotations

import base64
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ACCOUNT_SID = "AC" + "0" * 32


@dataclass
class FakeTwilio:
    auth_token: str
    created: list[dict[str, str]] = field(default_factory=list)
    faults: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    url: str = ""
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # media by name: (content type, bytes)

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create)
        app.router.add_get("/media/{name}", self._media)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _media(self, request: web.Request) -> web.StreamResponse:
        """A file a family sent, as Twilio serves it to the account (basic auth), by its name in `files`."""
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.Response(status=401)
        found = self.files.get(request.match_info["name"])
        if found is None:
            return web.Response(status=404)
        content_type, body = found
        return web.Response(body=body, content_type=content_type)

    def fail_next(self, status: int, code: int, message: str) -> None:
        self.faults.append((status, {"code": code, "message": message, "more_info": "", "status": status}))

    async def _create(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{self.auth_token}".encode()).decode()
        if request.match_info["account"] != ACCOUNT_SID or request.headers.get("Authorization") != expected:
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        if self.faults:
            status, body = self.faults.popleft()
            return web.json_response(body, status=status)
        form = {key: str(value) for key, value in (await request.post()).items()}
        sid = f"SM{len(self.created) + 1:032d}"
        self.created.append({**form, "Sid": sid})
        return web.json_response(
            {
                "sid": sid,
                "status": "queued",
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
            },
            status=201,
        )
