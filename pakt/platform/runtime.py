"""The life of a service process: start in order, serve, and shut down cleanly on SIGTERM.

Start: logging and metrics, gRPC with TLS (health NOT_SERVING), database migrations, Kafka topics;
then the background tasks (relay, consumers), and SERVING while they report no problem
(pakt.platform.readiness): a service whose broker is away or whose consumer is stuck answers
NOT_SERVING, with the reason in its log and in the pakt_not_ready metric, and SERVING again when
it has recovered.
Stop: NOT_SERVING, stop accepting and finish in-flight calls, stop background tasks (consumers
commit what they processed, the relay flushes its producer), close the database.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from aiokafka.errors import KafkaError
from sqlalchemy import Engine

from pakt.platform.db import make_engine, migrate
from pakt.platform.grpc_server import GrpcServer
from pakt.platform.kafka import ensure_topics
from pakt.platform.logging import configure_logging
from pakt.platform.metrics import serve_metrics
from pakt.platform.readiness import Readiness
from pakt.platform.settings import ServiceSettings

log = logging.getLogger(__name__)

Task = Callable[[asyncio.Event], Awaitable[None]]


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, migrations: Path, grpc_service_names: Iterable[str]) -> None:
        self.settings = settings
        self.migrations = migrations
        configure_logging(settings.name, settings.log_level)
        self.engine: Engine = make_engine(settings.db_url)
        self.server = GrpcServer(settings.bind_host, settings.grpc_port, grpc_service_names, settings.tls.files())
        self.readiness = Readiness()
        self._tasks: list[tuple[str, Task]] = []
        self._stop_tasks = asyncio.Event()

    def add_task(self, name: str, task: Task) -> None:
        """A background task (consumer, relay) that runs until shutdown; if it dies, the process exits."""
        self._tasks.append((name, task))

    async def run(self, stop: asyncio.Event, topics: Iterable[str] = (), on_ready: Callable[[], Awaitable[None]] | None = None) -> None:
        s = self.settings
        serve_metrics(s.bind_host, s.metrics_port)
        await self.server.start()
        await asyncio.to_thread(migrate, self.engine, self.migrations)
        try:
            await ensure_topics(s.kafka, topics)
        except (KafkaError, OSError) as exc:
            # The relay and the consumers create them once the broker is back.
            log.warning("topics not checked: broker unreachable", extra={"error": repr(exc)})
        if on_ready is not None:
            await on_ready()
        running = [asyncio.create_task(task(self._stop_tasks), name=name) for name, task in self._tasks]
        loop = asyncio.get_running_loop()
        self.readiness.on_change(lambda ready: loop.create_task(self.server.set_serving(ready)))
        await self.server.set_serving(self.readiness.ready)
        log.info("service started", extra={"grpc_port": self.server.port, "metrics_port": s.metrics_port})
        stop_waiter = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([stop_waiter, *running], return_when=asyncio.FIRST_COMPLETED)
        failed = [t for t in done if t is not stop_waiter]
        for task in failed:
            log.error("background task ended unexpectedly", extra={"task": task.get_name()}, exc_info=task.exception())
        await self._shutdown(running)
        if failed:
            raise SystemExit(1)

    async def _shutdown(self, running: list[asyncio.Task]) -> None:
        log.info("shutting down")
        await self.server.stop(self.settings.shutdown_grace_s)
        self._stop_tasks.set()
        if running:
            await asyncio.wait(running, timeout=self.settings.shutdown_grace_s)
        self.engine.dispose()
        log.info("stopped")


def run_until_signalled(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run main(stop) on a fresh event loop; SIGTERM and SIGINT set stop."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(runner())
