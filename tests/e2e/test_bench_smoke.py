"""The benchmark suite works: `bench/run.py --smoke` starts its own stack, runs every figure for a
second or so, prints the table and writes the JSON. It measures nothing worth asserting, so no
timing is checked here; docs/performance.md holds the figures of full runs."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LOAD_FIGURES = [
    "transport ceiling, 50 in flight",
    "intake capacity, 50 in flight",
    "intake capacity, 8 in flight",
    "intake capacity, 1 in flight",
    "intake latency p99, 200/s offered",
    "freshness p99, 100/s offered",
    "decision latency p99, 50/s",
]
ALLOCATION_FIGURE = "allocation distribution, all budgets (median)"
# Groups from modules of their own; while a module is not there the runner skips it and says so.
MODULE_GROUPS = ["dashboard", "replay"]


@pytest.mark.timeout(240)
def test_the_suite_runs_every_figure_and_reports_it(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=230,
    )  # fmt: skip
    # stdout last: it ends with the traceback of a failed figure and the table.
    assert done.returncode == 0, f"exit code {done.returncode}\n{done.stderr[-2000:]}\n{done.stdout[-6000:]}"

    result = json.loads(out.read_text(encoding="utf-8"))
    figures = {f["name"]: f for f in result["figures"]}
    for name in [*LOAD_FIGURES, ALLOCATION_FIGURE]:
        assert name in figures, f"{name!r} missing; figures: {sorted(figures)}"
    for name, figure in figures.items():
        value = figure["value"]
        assert isinstance(value, int | float) and math.isfinite(value), (name, value)

    for group in MODULE_GROUPS:
        outcome = result["groups"][group]
        if (ROOT / "bench" / f"{group}.py").exists():
            assert outcome["status"] in ("ran", "skipped"), outcome
            if outcome["status"] == "ran":
                assert outcome["figures"] and set(outcome["figures"]) <= set(figures), outcome
        else:
            assert outcome["status"] == "skipped" and f"bench/{group}.py" in done.stdout

    assert result["db"] == "sqlite" and result["smoke"] is True
    assert result["machine"]["cpu_count"] and result["machine"]["python"] and result["command"]
    header = next(line for line in done.stdout.splitlines() if line.startswith("figure"))
    assert header.split() == ["figure", "value", "reference", "ratio", "target", "met"]
    for name in figures:
        assert any(line.startswith(name) for line in done.stdout.splitlines()), f"{name!r} not in the table"
