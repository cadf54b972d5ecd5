"""The person's rights: Auskunft (GDPR Art. 15/20) and erasure (Art. 17), each asked for by the
responsible Integrationsmanager; and the erasure the end of retention brings (betrieb.py)."""

from __future__ import annotations

import json

from google.protobuf.json_format import MessageToDict

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.idempotency import Answer
from pakt.platform.unit_of_work import Units
from services.caseplan import audit, domain
from services.caseplan.domain import PERSON_FIELDS, Planstand
from services.caseplan.plaene import Uow, close, log, own_plan
from services.caseplan.repository import CasePlanRepository


def export_person(units: Units[CasePlanRepository], principal: Principal, r: pb.ExportPersonRequest) -> pb.ExportPersonResponse:
    """Everything held about the plan's person, with who accessed it; the export is logged too."""
    guards.integrationsmanager(principal)
    domain.check_export(r)

    def work(uow: Uow) -> str:
        own_plan(uow.repo, principal, r.plan_id)
        plan = uow.repo.load(r.plan_id)
        accesses = uow.repo.accesses(r.plan_id)
        log(uow, principal, r.plan_id, audit.EXPORT, domain.felder(plan), "Auskunft nach Art. 15 DSGVO")
        document = {"integrationsplan": MessageToDict(plan, preserving_proto_field_name=True), "zugriffe": accesses}
        return json.dumps(document, ensure_ascii=False, indent=2)

    return pb.ExportPersonResponse(json=units.run(work))


def erase_person(units: Units[CasePlanRepository], principal: Principal, r: pb.ErasePersonRequest) -> pb.ErasePersonResponse:
    """Every personal datum of the plan goes; its pseudonymous facts (dates, goal fields and
    statuses, age band) and the access log stay."""
    guards.integrationsmanager(principal)
    domain.check_erase(r)

    def work(uow: Uow) -> str:
        stand = own_plan(uow.repo, principal, r.plan_id, lock=True)
        domain.require_personal_data(stand)
        erase(uow, stand)
        log(uow, principal, r.plan_id, audit.LOESCHEN, PERSON_FIELDS, r.grund)
        return r.plan_id

    # No key is kept: the erasure removes the plan's keys, and a fingerprint of a request that
    # named the plan is no more than the plan's id.
    units.run_once(principal.label, "ErasePerson", r, work, Answer(str, str), keep_key=False)
    return pb.ErasePersonResponse(plan_id=r.plan_id)


def erase(uow: Uow, stand: Planstand) -> None:
    """Erase a plan's personal data; an open plan is closed (the consent is gone with it)."""
    uow.repo.erase_personal_data(stand.id)
    if stand.offen:
        close(uow, stand, pb.ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN)
    uow.repo.change_plan(stand.id, geloescht_am=uow.now)
