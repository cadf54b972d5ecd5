"""Benchmark: the full 'Geld folgt Flüchtling' Verteilung, as a pure computation (no database).

For every budget in services/allocation/parameter_seed.json (4 programmes × 2 Förderjahre, plus
any further tranche the seed names, e.g. a provisional one) it computes the Planungsrahmen of all
1,101 Gemeinden by the largest remainder method over their population — what the allocation
service stores — and the 44 Kreis totals (the sum of their Gemeinden's Planungsrahmen). Each repetition
times all budgets together.

Reference data, the seeded parameters and the weights are loaded once, before and outside the
timed region; the timed region is only the arithmetic.

    .venv/bin/python bench/allocation_distribution.py [--repeat N] [--seed FILE] [--json]

--json prints one JSON object instead of the text (bench/run.py reads it).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pakt.referenzdaten import gebiete  # noqa: E402
from services.allocation.domain import largest_remainder  # noqa: E402

# The file services/allocation/haushalt.seed_parameters loads (not imported from the service, to keep the
# bench free of its database and gRPC imports).
SEED = ROOT / "services" / "allocation" / "parameter_seed.json"


def distribute(budgets: list[tuple[str, int, str, int]], weights: dict[str, int], kreis_of: dict[str, str]):
    """Every budget's Planungsrahmen per Gemeinde and totals per Kreis, in the order of budgets."""
    result = []
    for _programm, _jahr, _tranche, budget_cent in budgets:
        rahmen = largest_remainder(budget_cent, weights)
        kreise: dict[str, int] = {}
        for ags, cent in rahmen.items():
            kreis = kreis_of[ags]
            kreise[kreis] = kreise.get(kreis, 0) + cent
        result.append((rahmen, kreise))
    return result


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n·p/100), at least 1
    return sorted_values[int(rank) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="timed repetitions (default 50)")
    parser.add_argument("--seed", type=Path, default=SEED, help="parameter seed to take the budgets from")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    # --- setup, not timed ---
    g = gebiete()
    weights = {ags: gem.population for ags, gem in g.gemeinden.items()}
    kreis_of = {ags: gem.kreis_ags for ags, gem in g.gemeinden.items()}
    seed = json.loads(args.seed.read_text(encoding="utf-8"))
    budgets = [(b["programm"], b["foerderjahr"], b.get("tranche", ""), b["betrag_cent"]) for b in seed["budgets"]]

    # --- timed ---
    samples_ns = []
    result = None
    for _ in range(args.repeat):
        start = time.perf_counter_ns()
        result = distribute(budgets, weights, kreis_of)
        samples_ns.append(time.perf_counter_ns() - start)

    # --- checks, not timed ---
    ok = True
    lines = [f"{len(budgets)} budgets × {len(weights)} Gemeinden, {len(g.kreise)} Kreise"]
    for (programm, jahr, tranche, budget_cent), (rahmen, kreise) in zip(budgets, result, strict=True):
        good = (
            sum(rahmen.values()) == budget_cent
            and sum(kreise.values()) == budget_cent
            and set(rahmen) == set(weights)
            and set(kreise) == set(g.kreise)
            and all(cent >= 0 for cent in rahmen.values())
        )
        ok &= good
        lines.append(
            f"  {programm.removeprefix('PROGRAMM_'):<24} {jahr} {tranche.removeprefix('TRANCHE_'):<11} "
            f"budget {budget_cent:>13,} ct  "
            f"Σ Gemeinden {sum(rahmen.values()):>13,} ct  Σ Kreise {sum(kreise.values()):>13,} ct  "
            f"{'OK' if good else 'MISMATCH'}"
        )

    ms = sorted(ns / 1e6 for ns in samples_ns)
    if args.json:
        figures = {
            "budgets": len(budgets),
            "gemeinden": len(weights),
            "kreise": len(g.kreise),
            "repeat": args.repeat,
            "median_ms": statistics.median(ms),
            "p95_ms": percentile(ms, 95),
            "min_ms": ms[0],
            "checksums_ok": ok,
            "python": platform.python_version(),
        }
        print(json.dumps(figures))
        return 0 if ok else 1
    print("\n".join(lines))
    print(
        f"Python {platform.python_version()} on {platform.machine()}, repeat {args.repeat}: "
        f"median {statistics.median(ms):.2f} ms  p95 {percentile(ms, 95):.2f} ms  min {ms[0]:.2f} ms  "
        f"(all {len(budgets)} budgets per repetition)"
    )
    print("checksums OK" if ok else "checksums FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
