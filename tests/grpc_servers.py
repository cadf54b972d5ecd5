"""A service's gRPC API for integration tests: the platform's GrpcServer (TLS, credentials,
error mapping) on a free port of 127.0.0.1, served from an event loop in a thread of its own so
that tests can call it with ordinary blocking clients."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import grpc

from pakt.platform.grpc_server import GrpcServer
from pakt.platform.pki import DevPki


class ServedInThread:
    def __init__(self, service_name: str, add_servicer: Callable[[grpc.aio.Server], None], pki: DevPki) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def start() -> GrpcServer:
            server = GrpcServer("127.0.0.1", 0, [service_name], pki.server)
            add_servicer(server.server)
            await server.start()
            await server.set_serving(True)
            return server

        self.grpc = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        self.target = f"127.0.0.1:{self.grpc.port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.grpc.stop(0), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
