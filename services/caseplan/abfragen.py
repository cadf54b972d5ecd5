"""What Integrationsmanager look up: a whole plan (logged with its purpose), their worklist and
caseload without personal data; and the Fallzahlen, aggregates for every authenticated caller."""

from __future__ import annotations

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.unit_of_work import Units, UnitsOfWork
from services.caseplan import audit, domain, mapping
from services.caseplan.plaene import Uow, log, own_plan
from services.caseplan.repository import CasePlanRepository


def get_plan(units: Units[CasePlanRepository], principal: Principal, r: pb.GetPlanRequest) -> pb.GetPlanResponse:
    """The whole plan, for a stated purpose; the read is logged in its transaction."""
    guards.integrationsmanager(principal)
    domain.check_get(r)

    def work(uow: Uow) -> pb.Plan:
        own_plan(uow.repo, principal, r.plan_id)
        plan = uow.repo.load(r.plan_id)
        log(uow, principal, r.plan_id, audit.LESEN, domain.felder(plan), r.zweck)
        return plan

    return pb.GetPlanResponse(plan=units.run(work))


def list_plans(units: UnitsOfWork[CasePlanRepository], principal: Principal, r: pb.ListPlansRequest) -> pb.ListPlansResponse:
    """The worklist of the caller's Kommune: nothing of the person, so nothing to log."""
    guards.integrationsmanager(principal)
    domain.check_list(r)
    with units.read() as repo:
        return pb.ListPlansResponse(plaene=repo.list_plans(principal.ags, r.status, r.integrationsmanager))


def caseload(units: UnitsOfWork[CasePlanRepository], principal: Principal, r: pb.GetCaseloadRequest) -> pb.GetCaseloadResponse:
    """Open plans per Integrationsmanager and what is overdue, for the caller's Kommune."""
    guards.integrationsmanager(principal)
    stichtag = domain.check_caseload(r, units.clock().date())
    with units.read() as repo:
        return repo.caseload(principal.ags, stichtag)


def fallzahlen(
    units: UnitsOfWork[CasePlanRepository], principal: Principal, r: pb.GetFallzahlenRequest
) -> pb.GetFallzahlenResponse:
    """Open plans per Kommune, small cells withheld; proto3 has no absent string: an empty
    kreis_ags means every Kreis."""
    kreis_ags = r.kreis_ags or None
    if kreis_ags is not None:
        domain.check_kreis(kreis_ags)  # before any query
    with units.read() as repo:
        open_plans = repo.open_plans_per_kommune()
    return mapping.fallzahlen(domain.fallzahlen(open_plans, kreis_ags))
