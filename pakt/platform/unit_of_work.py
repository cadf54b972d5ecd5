"""The unit of work: one use case, one database transaction.

A mutating use case gets a UnitOfWork: its connection, "now" from the service's clock, the
service's repository on that connection, and `publish` for events. What the use case writes — the
change, its history entry (written by the repository), its outbox events and, for a command, its
idempotency key, for an event its inbox entry — commits together or not at all. After a commit
that published events the relay is nudged, so it does not wait for its next poll.

Three ways in, one per kind of caller:
- `run(work)` — a change with no request_id (a scheduled repair, an operator's maintenance step);
- `run_once(caller, method, request, work, answer)` — a gRPC command, idempotent per caller and
  request_id (see pakt.platform.idempotency);
- `apply(event_id, work)` — an event from another service, applied once per event id.

`batch()` lets a consumer apply many events in one transaction: while it is open in a thread,
`run` and `apply` there join its transaction instead of opening their own (see its docstring).

The shape follows cosmicpython's unit_of_work.py, on SQLAlchemy Core: use cases take a
UnitsOfWork and can be run against a fake one whose repository keeps rows in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from google.protobuf.message import Message
from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import IntegrityError

from pakt.common.v1.envelope_pb2 import Envelope
from pakt.platform.idempotency import Answer, KeyStore, fingerprint
from pakt.platform.inbox import first_delivery
from pakt.platform.outbox import enqueue

R = TypeVar("R")
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class UnitOfWork(Generic[R]):
    """What a use case works with inside its transaction."""

    conn: Connection | None  # None in a fake unit of work
    now: datetime
    repo: R
    outbox: Table | None
    published: list[tuple[str, Envelope]] = field(default_factory=list)
    # Inside UnitsOfWork.batch(): what the batch's units of work share until it commits (e.g. writes
    # they leave to its end); None outside a batch.
    batch: dict[str, Any] | None = None

    def publish(self, topic: str, envelope: Envelope) -> None:
        """Queue an event in the outbox, in this transaction."""
        if self.conn is not None and self.outbox is not None:
            enqueue(self.conn, self.outbox, topic, envelope)
        self.published.append((topic, envelope))


class Units(Protocol[R]):
    """What use cases depend on: the real UnitsOfWork or a fake."""

    clock: Callable[[], datetime]

    def run(self, work: Callable[[UnitOfWork[R]], T]) -> T: ...

    def run_once(
        self, caller: str, method: str, request: Message, work: Callable[[UnitOfWork[R]], T], answer: Answer[T],
        *, keep_key: bool = True, digest: str | None = None,
    ) -> T: ...

    def apply(self, event_id: str, work: Callable[[UnitOfWork[R]], T], duplicate: T) -> T: ...

    def batch(self) -> AbstractContextManager[dict[str, Any]]: ...


class BatchFailed(RuntimeError):
    """A unit of work inside a batch failed, and its caller went on: the batch's transaction holds
    part of its writes, so the whole batch is rolled back."""


@dataclass
class _Batch(Generic[R]):
    conn: Connection
    repo: R
    shared: dict[str, Any] = field(default_factory=dict)
    published: bool = False
    failed: BaseException | None = None


class UnitsOfWork(Generic[R]):
    """Opens units of work on a service's database."""

    def __init__(
        self,
        engine: Engine,
        repository: Callable[[Connection], R],
        *,
        outbox: Table | None = None,
        keys: Table | None = None,
        inbox: Table | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_events: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.repository = repository
        self.outbox = outbox
        self.keys = KeyStore(engine, keys) if keys is not None else None
        self.inbox = inbox
        self.clock = clock
        # Called after a commit that published events (the relay's nudge).
        self.on_events = on_events
        # The batch open in each thread (a consumer's worker thread), if any.
        self._local = threading.local()

    @contextmanager
    def batch(self) -> Iterator[dict[str, Any]]:
        """One transaction for every unit of work this thread runs until the block ends: `run`
        and `apply` join it instead of opening their own, events they publish are queued in it,
        and `on_events` fires once, after its commit. Yields the dict the batch's units of work
        share (`UnitOfWork.batch`). Anything raised inside rolls the whole batch back; so does a
        unit of work that failed even if its caller caught the error (BatchFailed)."""
        if getattr(self._local, "batch", None) is not None:
            raise RuntimeError("a batch is open in this thread already")
        with self.engine.begin() as conn:
            batch = _Batch(conn, self.repository(conn))
            self._local.batch = batch
            try:
                yield batch.shared
            finally:
                self._local.batch = None
            if batch.failed is not None:
                raise BatchFailed("a unit of work in the batch failed") from batch.failed
        if batch.published:
            self.on_events()

    @contextmanager
    def begin(self) -> Iterator[UnitOfWork[R]]:
        batch: _Batch[R] | None = getattr(self._local, "batch", None)
        if batch is not None:
            uow = UnitOfWork(batch.conn, self.clock(), batch.repo, self.outbox, batch=batch.shared)
            try:
                yield uow
            except BaseException as exc:
                batch.failed = exc
                raise
            batch.published = batch.published or bool(uow.published)
            return
        with self.engine.begin() as conn:
            uow = UnitOfWork(conn, self.clock(), self.repository(conn), self.outbox)
            yield uow
        if uow.published:
            self.on_events()

    @contextmanager
    def read(self) -> Iterator[R]:
        """The repository on a connection for queries (nothing is written)."""
        with self.engine.connect() as conn:
            yield self.repository(conn)

    def run(self, work: Callable[[UnitOfWork[R]], T]) -> T:
        with self.begin() as uow:
            return work(uow)

    def run_once(
        self, caller: str, method: str, request: Message, work: Callable[[UnitOfWork[R]], T], answer: Answer[T],
        *, keep_key: bool = True, digest: str | None = None,
    ) -> T:
        """Run work once per (caller, request_id), committing its key with it; a repeat answers
        as the first call did. keep_key=False writes no key (for a command that removes what a
        key would point to, such as an erasure). digest replaces fingerprint(method, request) for
        a request that does not hold all of what it is (a client stream: its first message and
        the hash of the rest)."""
        if self.keys is None:
            raise RuntimeError("this service keeps no idempotency keys")
        digest = digest or fingerprint(method, request)
        if (earlier := self.keys.replay(caller, request.request_id, digest)) is not None:
            return answer.replay(earlier)
        try:
            with self.begin() as uow:
                result = work(uow)
                if keep_key:
                    self.keys.store(uow.conn, caller, request.request_id, method, digest, uow.now, answer.store(result))
        except IntegrityError:
            # A concurrent call with the same request_id won the race; answer as it did.
            earlier = self.keys.replay(caller, request.request_id, digest)
            if earlier is None:
                raise
            return answer.replay(earlier)
        return result

    def apply(self, event_id: str, work: Callable[[UnitOfWork[R]], T], duplicate: T) -> T:
        """Apply an event once: its id goes into the inbox in the same transaction; a
        redelivered event returns `duplicate` and changes nothing."""
        if self.inbox is None:
            raise RuntimeError("this service consumes no events")
        with self.begin() as uow:
            if not first_delivery(uow.conn, self.inbox, event_id):
                return duplicate
            return work(uow)
