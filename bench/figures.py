"""What every benchmark of the suite reports: a figure measured side by side with its reference in
the same run, their ratio, and the target it is held to (docs/performance.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One measured figure. ratio = value / reference_value for rates (higher is better);
    for times the target is absolute (e.g. p99 ≤ 50 ms) and ratio may be None."""

    name: str  # e.g. "intake capacity, 50 in flight"
    value: float
    unit: str  # "calls/s", "ms", "events/s", "s"
    reference: str | None = None  # e.g. "transport ceiling (echo, same TLS and credential)"
    reference_value: float | None = None
    target: str | None = None  # as in the issue and docs, e.g. "≥ 0.5× ceiling", "p99 ≤ 50 ms"
    met: bool | None = None  # None where no target applies
    details: dict[str, Any] = field(default_factory=dict)  # p50/p99/max, counts, errors, …

    @property
    def ratio(self) -> float | None:
        if self.reference_value in (None, 0):
            return None
        return self.value / self.reference_value

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


@dataclass
class BenchContext:
    """What a benchmark gets from the runner (bench/run.py)."""

    stack: Any  # pakt.cli.stack.Stack, started and ready, on free ports, demo off
    db: str  # "sqlite" or "postgres"
    smoke: bool  # seconds instead of minutes: proves the benchmark works, measures nothing
    work_dir: Path  # scratch space for this run
