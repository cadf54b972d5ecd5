"""The parameters of the Haushalt: budgets, Schwellenwerte and Stichtage, kept as versions with the
date from which they apply, their source and who set them. The seeded versions come from
parameter_seed.json; the Bewilligungsstelle adds versions (SetParameter), each recomputing the
Verteilungen that follow it in the same transaction."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

from pakt.allocation.v1.allocation_pb2 import SetParameterRequest, SetParameterResponse
from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.idempotency import response_bytes
from pakt.platform.unit_of_work import UnitOfWork, Units
from services.allocation import domain, mapping, verteilung
from services.allocation.domain import BUDGET, SCHWELLENWERT, STICHTAG
from services.allocation.repository import AllocationRepository

log = logging.getLogger(__name__)

SEED = Path(__file__).parent / "parameter_seed.json"


def seed_parameters(units: Units[AllocationRepository], seed: Path = SEED) -> None:
    """Add the seeded parameter versions the table does not have yet; changes stay changes."""
    data = json.loads(seed.read_text(encoding="utf-8"))
    entries = (
        [{"art": BUDGET, "stichtag": None, **b} for b in data["budgets"]]
        + [{"art": SCHWELLENWERT, "foerderjahr": None, "tranche": None, "stichtag": None, **s} for s in data["schwellenwerte"]]
        + [{"art": STICHTAG, "programm": "", "betrag_cent": 0, **s} for s in data["stichtage"]]
    )

    def work(uow: UnitOfWork[AllocationRepository]) -> None:
        have = {_seed_key(r._asdict()) for r in uow.repo.parameters()}
        rows = [
            {
                **e,
                "gueltig_ab": date.fromisoformat(e["gueltig_ab"]),
                "stichtag": date.fromisoformat(e["stichtag"]) if e["stichtag"] else None,
                "erfasst_von": "system:seed",
                "erfasst_at": uow.now,
            }
            for e in entries
        ]
        if missing := [r for r in rows if _seed_key(r) not in have]:
            uow.repo.add_parameters(missing)

    units.run(work)


def set_parameter(units: Units[AllocationRepository], principal: Principal, request: SetParameterRequest) -> SetParameterResponse:
    """Record a new parameter version and recompute what depends on it, in one transaction."""
    guards.operator(principal)
    version = domain.parameter_version(request)

    def work(uow: UnitOfWork[AllocationRepository]) -> SetParameterResponse:
        stored = uow.repo.add_parameter(
            {**version, "request_id": request.request_id, "erfasst_von": principal.label, "erfasst_at": uow.now}
        )
        created = verteilung.recompute(uow, principal.label)
        log.info("parameter set", extra={"art": version["art"], "programm": version["programm"], "by": principal.label})
        return SetParameterResponse(parameter=mapping.parameter(stored), verteilung_ids=created)

    return units.run_once(
        domain.BEWILLIGUNGSSTELLE, "SetParameter", request, work, response_bytes(SetParameterResponse)
    )


def _seed_key(row: dict) -> tuple:
    """What makes two parameter versions the same entry."""
    return tuple(
        row.get(k) for k in ("art", "programm", "foerderjahr", "tranche", "stichtag", "betrag_cent", "gueltig_ab", "quelle")
    )
