"""A database that can be cut off: a TCP proxy on 127.0.0.1 in front of the PostgreSQL server.

`cut()` closes every connection through it and refuses new ones (they are accepted and closed at once, as a
server that went away); `restore()` lets them through again. The process under test connects to `url`.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy.engine import make_url


class Outage:
    def __init__(self, server_url: str) -> None:
        parsed = make_url(server_url)
        self._server = (parsed.host or "127.0.0.1", parsed.port or 5432)
        self._server_url = parsed
        self._listener: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self.is_cut = False
        self.url = ""

    async def start(self) -> str:
        self._listener = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        port = self._listener.sockets[0].getsockname()[1]
        self.url = self._server_url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        return self.url

    def cut(self) -> None:
        self.is_cut = True
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    def restore(self) -> None:
        self.is_cut = False

    async def stop(self) -> None:
        self.cut()
        if self._listener is not None:
            self._listener.close()
            await self._listener.wait_closed()

    async def _connect(self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        if self.is_cut:
            client.transport.abort()
            return
        try:
            server_reader, server = await asyncio.open_connection(*self._server)
        except OSError:
            client.transport.abort()
            return
        self._open.update((client, server))
        try:
            await asyncio.gather(self._pipe(client_reader, server), self._pipe(server_reader, client))
        finally:
            for writer in (client, server):
                self._open.discard(writer)
                writer.transport.abort()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
