"""In-memory stand-ins for unit tests of use cases (cosmicpython's FakeUnitOfWork)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

from pakt.common.v1.envelope_pb2 import Envelope
from pakt.platform.unit_of_work import UnitOfWork, utcnow

R = TypeVar("R")
T = TypeVar("T")


class FakeUnits(Generic[R]):
    """A unit-of-work factory for unit tests: no database, the repository is an in-memory fake;
    each unit of work records what it published. Idempotency and the inbox are the database's
    concern and are tested against real databases; here every call runs its work."""

    def __init__(self, repo: R, now: datetime | None = None) -> None:
        self.repo = repo
        self.now = now or utcnow()
        self.clock = lambda: self.now
        self.published: list[tuple[str, Envelope]] = []
        self.committed = 0
        self._batch: dict[str, Any] | None = None

    def _unit(self) -> UnitOfWork[R]:
        return UnitOfWork(None, self.now, self.repo, None, batch=self._batch)

    def run(self, work: Callable[[UnitOfWork[R]], T]) -> T:
        uow = self._unit()
        result = work(uow)
        self.published += uow.published
        if self._batch is None:
            self.committed += 1
        return result

    @contextmanager
    def batch(self) -> Iterator[dict[str, Any]]:
        """One commit for every unit of work inside (nothing is rolled back here)."""
        self._batch = {}
        try:
            yield self._batch
        finally:
            self._batch = None
        self.committed += 1

    def run_once(self, caller, method, request, work, answer, *, keep_key=True, digest=None):
        return self.run(work)

    def apply(self, event_id, work, duplicate):
        return self.run(work)
