"""The benchmark suite of issue 11 in one command: starts a local stack of its own (free ports, a
scratch folder, demo off; with --db postgres a fresh database per service, dropped afterwards),
runs every figure side by side with its reference, prints a table and writes the JSON.

    make bench                      # = .venv/bin/python bench/run.py
    make bench BENCH_DB=postgres    # = .venv/bin/python bench/run.py --db postgres
    .venv/bin/python bench/run.py --smoke                     # every figure for a second or two
    .venv/bin/python bench/run.py --only transport,intake     # a subset (names: see --help)

Exit code 0 when every chosen figure was measured (met targets or not), 1 when one failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.figures import BenchContext, Figure  # noqa: E402

LOAD_GROUPS = ("transport", "intake", "latency", "freshness", "decision")
# The other benchmarks' modules, each with a function of the same name: (ctx) -> list[Figure].
# Replay last: rebuilding the read model is the most disruptive.
MODULE_GROUPS = ("dashboard", "replay")
GROUPS = (*LOAD_GROUPS, "allocation", *MODULE_GROUPS)
NEEDS_STACK = set(GROUPS) - {"allocation"}
DEFAULT_OUT = ROOT / "bench-results.json"
POSTGRES_ADMIN_URL = os.environ.get("PAKT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ALLOCATION_FIGURE = "allocation distribution, all budgets (median)"


class Skipped(Exception):
    """A group that cannot run here, with the reason (not a failure)."""


def say(line: str = "") -> None:
    print(line, flush=True)


# -- what the run needs --------------------------------------------------------------------------


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database on the server; yields its URL and drops it afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"pakt_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def start_stack(resources: ExitStack, work_dir: Path, db: str, admin_url: str):
    from pakt.cli.stack import Stack, StackConfig
    from pakt.platform.settings import SERVICES

    env = {}
    if db == "postgres":
        for service in SERVICES:
            env[f"PAKT_{service.upper()}_DB_URL"] = resources.enter_context(postgres_database(admin_url))
    stack = Stack(StackConfig.on_free_ports(work_dir / "data", demo=False, extra_env=env))
    resources.callback(stack.stop)
    started = time.perf_counter()
    stack.start()
    stack.wait_ready(timeout_s=180)
    say(f"stack ready in {time.perf_counter() - started:.1f} s ({db}; data and logs in {work_dir / 'data'})")
    return stack


def dead_children(stack) -> list[str]:
    return [name for name, proc in stack.children if proc.poll() is not None]


# -- the groups ----------------------------------------------------------------------------------


def allocation(ctx: BenchContext) -> list[Figure]:
    """bench/allocation_distribution.py in a process of its own, as its CLI runs it."""
    repeat = "3" if ctx.smoke else "50"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "allocation_distribution.py"), "--json", "--repeat", repeat],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"allocation_distribution.py exit code {done.returncode}: {done.stdout}{done.stderr}")
    result = json.loads(done.stdout)
    return [Figure(name=ALLOCATION_FIGURE, value=result["median_ms"], unit="ms", details=result)]


def module_group(name: str) -> Callable[[BenchContext], list[Figure]]:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            raise Skipped(f"bench/{name}.py is not there yet") from None
        raise
    return getattr(module, name)


# -- output --------------------------------------------------------------------------------------


def _number(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"
    return f"{text} {unit}".strip()


def table(figures: list[Figure]) -> str:
    rows = [("figure", "value", "reference", "ratio", "target", "met")]
    for f in figures:
        reference = _number(f.reference_value, f.unit) if f.reference_value is not None else "–"
        ratio = f"{f.ratio:.3g}×" if f.ratio is not None else "–"
        met = {True: "yes", False: "NO", None: "–"}[f.met]
        rows.append((f.name, _number(f.value, f.unit), reference, ratio, f.target or "–", met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(w) if i == 0 else cell.rjust(w) if i in (1, 2, 3) else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    references = sorted({f"{f.name}: {f.reference}" for f in figures if f.reference})
    return "\n".join([*lines, "", "references:", *(f"  {r}" for r in references)] if references else lines)


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _json_safe(value):
    """NaN (a figure nothing was measured for) as null, so the file is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


# -- the run -------------------------------------------------------------------------------------


def parse_groups(only: str | None) -> list[str]:
    if not only:
        return list(GROUPS)
    chosen = [name.strip() for name in only.split(",") if name.strip()]
    if unknown := [name for name in chosen if name not in GROUPS]:
        raise SystemExit(f"--only: unknown {', '.join(unknown)} (known: {', '.join(GROUPS)})")
    return [g for g in GROUPS if g in chosen]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--smoke", action="store_true", help="every figure for a second or two: proves the suite works")
    parser.add_argument("--only", metavar="NAMES", help=f"comma-separated subset of: {', '.join(GROUPS)}")
    parser.add_argument(
        "--seconds", type=float, metavar="S", help="every gRPC load measurement S seconds long (quick checks)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results (default {DEFAULT_OUT.name})")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (stack data and logs)")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL, help="server the databases are created on")
    args = parser.parse_args(argv)
    groups = parse_groups(args.only)

    work_dir = Path(tempfile.mkdtemp(prefix="pakt-bench-"))
    started = dt.datetime.now(dt.UTC)
    figures: list[Figure] = []
    outcome: dict[str, dict[str, Any]] = {}
    length = f"{args.seconds:g} s each" if args.seconds else "smoke" if args.smoke else "full"
    say(f"benchmarks: {', '.join(groups)} ({length}, {args.db}); scratch {work_dir}")
    try:
        with ExitStack() as resources:
            stack = None
            if NEEDS_STACK & set(groups):
                stack = start_stack(resources, work_dir, args.db, args.postgres_admin_url)
            ctx = BenchContext(stack=stack, db=args.db, smoke=args.smoke, work_dir=work_dir)
            load_bench = None
            for group in groups:
                say(f"\n== {group}")
                began = time.perf_counter()
                try:
                    if stack is not None and group in NEEDS_STACK and (dead := dead_children(stack)):
                        raise RuntimeError(
                            f"stack processes ended: {', '.join(dead)}\n" + "\n".join(stack.log_tail(n) for n in dead)
                        )
                    if group in LOAD_GROUPS:
                        if load_bench is None:
                            from bench.load import LoadBench

                            load_bench = resources.enter_context(LoadBench(ctx, args.seconds))
                        produced = load_bench.run(group)
                    elif group == "allocation":
                        produced = allocation(ctx)
                    else:
                        produced = module_group(group)(ctx)
                except Skipped as exc:
                    outcome[group] = {"status": "skipped", "reason": str(exc), "figures": []}
                    say(f"{group}: skipped ({exc})")
                    continue
                except Exception as exc:  # noqa: BLE001  one failed group does not stop the others
                    outcome[group] = {"status": "failed", "reason": repr(exc), "figures": []}
                    say(f"{group}: FAILED\n{traceback.format_exc()}")
                    continue
                seconds = time.perf_counter() - began
                outcome[group] = {"status": "ran", "seconds": round(seconds, 1), "figures": [f.name for f in produced]}
                figures += produced
                for f in produced:
                    say(f"  {f.name}: {_number(f.value, f.unit)}" + (f"  (ratio {f.ratio:.3g}×)" if f.ratio is not None else ""))
                say(f"  ({seconds:.1f} s)")
    finally:
        failed = [g for g, o in outcome.items() if o["status"] == "failed"]
        if args.keep or failed:
            say(f"\nscratch folder kept: {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    say("\n" + table(figures))
    result = {
        "command": shlex.join([os.path.relpath(sys.executable, ROOT), "bench/run.py", *argv]),
        "date": started.isoformat(timespec="seconds"),
        "db": args.db,
        "smoke": args.smoke,
        "machine": machine(),
        "figures": [f.as_json() for f in figures],
        "groups": outcome,
    }
    args.out.write_text(json.dumps(_json_safe(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"\nresults: {args.out}")
    if failed:
        say(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
