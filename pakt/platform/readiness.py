"""Whether a process can do its work, and if not, why: one place that the gRPC health status, the
metrics and the logs follow.

Components (the broker connection, a consumer, the outbox relay) report problems with a reason
code (bounded, for the metric label) and a German text (for the log line). The process is ready
when no component reports a problem. Each change is logged once, so a broker that stays away
does not flood the logs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from pakt.platform.metrics import NOT_READY

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    reason: str  # a short code, e.g. "broker_unreachable"
    text: str  # German, for operators


class Readiness:
    def __init__(self) -> None:
        self._problems: dict[str, Problem] = {}
        self._listeners: list[Callable[[bool], None]] = []

    @property
    def ready(self) -> bool:
        return not self._problems

    def problems(self) -> dict[str, Problem]:
        return dict(self._problems)

    def on_change(self, listener: Callable[[bool], None]) -> None:
        """listener(ready) after every change of readiness (not of each problem)."""
        self._listeners.append(listener)

    def problem(self, component: str, reason: str, text: str) -> None:
        new = Problem(reason, text)
        old = self._problems.get(component)
        if old == new:
            return
        was_ready = self.ready
        self._problems[component] = new
        if old is not None:
            NOT_READY.remove(component, old.reason)
        NOT_READY.labels(component, reason).set(1)
        log.warning("not ready", extra={"component": component, "reason": reason, "grund": text})
        if was_ready:
            self._notify()

    def ok(self, component: str) -> None:
        old = self._problems.pop(component, None)
        if old is None:
            return
        NOT_READY.remove(component, old.reason)
        log.info("ready again", extra={"component": component, "was": old.reason})
        if self.ready:
            self._notify()

    def _notify(self) -> None:
        for listener in self._listeners:
            listener(self.ready)
