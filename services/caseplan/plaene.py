"""The Integrationsmanager's steps on a plan: open it, change the person, agree and update Ziele,
record a Fortschreibung, close it, hand it over (Wegzug), and the person's withdrawal of consent.

Every step: only an Integrationsmanager, the request checked (domain.py), then ONE unit of work,
once per caller and request_id: the plan locked and the caller's Kommune checked as responsible,
the change, its access log entry and its (pseudonymous) event commit together with the
idempotency key. The key keeps only the plan's id, never the answer, which holds personal data: a
repeat answers with the plan as it is now.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from google.protobuf.message import Message

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.caseplan.v1 import events_pb2 as ev
from pakt.platform import events, guards
from pakt.platform.auth import Principal
from pakt.platform.errors import FieldViolation, InvalidArgument
from pakt.platform.idempotency import Answer
from pakt.platform.unit_of_work import UnitOfWork, Units
from services.caseplan import audit, domain
from services.caseplan.domain import PERSON_FIELDS, STATUS_ABGESCHLOSSEN, STATUS_OFFEN, ZIEL_TEXTS, Planstand
from services.caseplan.repository import CasePlanRepository

PRODUCER = "caseplan"
Uow = UnitOfWork[CasePlanRepository]


def create_plan(units: Units[CasePlanRepository], principal: Principal, r: pb.CreatePlanRequest) -> pb.CreatePlanResponse:
    """A new plan for the caller's Kommune, with the person's consent."""
    guards.integrationsmanager(principal)
    e = domain.check_create(r, units.clock().date())
    plan_id = str(uuid.uuid4())
    altersband = domain.altersband(e.geburtsdatum, e.eroeffnet_am)

    def work(uow: Uow) -> pb.Plan:
        uow.repo.add_plan(
            plan_id, r.person, kommune_ags=principal.ags, status=STATUS_OFFEN, eroeffnet_am=e.eroeffnet_am,
            integrationsmanager=r.integrationsmanager or principal.person,
            laufzeit_bis=domain.laufzeit_bis(e.eroeffnet_am), naechste_fortschreibung=e.naechste_fortschreibung,
            altersband=altersband, einwilligung_zweck=r.einwilligung.zweck,
            einwilligung_erteilt_am=e.einwilligung_erteilt_am, version=1,
        )
        log(uow, principal, plan_id, audit.ANLEGEN, PERSON_FIELDS, "Anlage des Integrationsplans")
        publish(uow, plan_id, ev.PlanEroeffnet(
            plan_id=plan_id, kommune_ags=principal.ags, altersband=altersband, eroeffnet_am=e.eroeffnet_am.isoformat(),
        ))
        return uow.repo.load(plan_id)

    return pb.CreatePlanResponse(plan=_once(units, principal, "CreatePlan", r, work))


def update_person(units: Units[CasePlanRepository], principal: Principal, r: pb.UpdatePersonRequest) -> pb.UpdatePersonResponse:
    guards.integrationsmanager(principal)
    domain.check_update_person(r, units.clock().date())

    def work(uow: Uow) -> pb.Plan:
        stand = own_plan(uow.repo, principal, r.plan_id, lock=True)
        domain.require_personal_data(stand)
        uow.repo.replace_person(r.plan_id, r.person)
        _bump(uow, stand)
        log(uow, principal, r.plan_id, audit.AENDERN, PERSON_FIELDS, "Fortschreibung der Personendaten")
        return uow.repo.load(r.plan_id)

    return pb.UpdatePersonResponse(plan=_once(units, principal, "UpdatePerson", r, work))


def add_ziel(units: Units[CasePlanRepository], principal: Principal, r: pb.AddZielRequest) -> pb.AddZielResponse:
    guards.integrationsmanager(principal)
    domain.check_add_ziel(r)

    def work(uow: Uow) -> pb.Plan:
        stand = own_plan(uow.repo, principal, r.plan_id, lock=True)
        domain.require_open(stand)
        ziel_id = str(uuid.uuid4())
        uow.repo.add_ziel(r.plan_id, ziel_id, r.ziel)
        _bump(uow, stand)
        log(uow, principal, r.plan_id, audit.AENDERN, ["ziel." + f for f in ZIEL_TEXTS], "Ziel vereinbart")
        publish(uow, r.plan_id, ev.ZielFortgeschrieben(
            plan_id=r.plan_id, kommune_ags=stand.kommune_ags, ziel_id=ziel_id, feld=r.ziel.feld,
            status=r.ziel.status or pb.ZIELSTATUS_OFFEN,
        ))
        return uow.repo.load(r.plan_id)

    return pb.AddZielResponse(plan=_once(units, principal, "AddZiel", r, work))


def update_ziel(units: Units[CasePlanRepository], principal: Principal, r: pb.UpdateZielRequest) -> pb.UpdateZielResponse:
    guards.integrationsmanager(principal)
    domain.check_update_ziel(r)

    def work(uow: Uow) -> pb.Plan:
        stand = own_plan(uow.repo, principal, r.plan_id, lock=True)
        domain.require_open(stand)
        if not uow.repo.change_ziel(r.plan_id, r.ziel):
            raise InvalidArgument([FieldViolation("ziel.id", "kein Ziel dieses Plans")])
        _bump(uow, stand)
        log(uow, principal, r.plan_id, audit.AENDERN, ["ziel." + f for f in ZIEL_TEXTS], "Ziel fortgeschrieben")
        publish(uow, r.plan_id, ev.ZielFortgeschrieben(
            plan_id=r.plan_id, kommune_ags=stand.kommune_ags, ziel_id=r.ziel.id, feld=r.ziel.feld, status=r.ziel.status,
        ))
        return uow.repo.load(r.plan_id)

    return pb.UpdateZielResponse(plan=_once(units, principal, "UpdateZiel", r, work))


def record_fortschreibung(
    units: Units[CasePlanRepository], principal: Principal, r: pb.RecordFortschreibungRequest
) -> pb.RecordFortschreibungResponse:
    guards.integrationsmanager(principal)
    naechste = domain.check_fortschreibung(r, units.clock().date())

    def work(uow: Uow) -> pb.Plan:
        stand = own_plan(uow.repo, principal, r.plan_id, lock=True)
        domain.require_open(stand)
        uow.repo.add_fortschreibung(r.plan_id, datum=uow.now.date(), naechste_am=naechste, akteur=principal.label,
                                    notiz=r.notiz)
        _bump(uow, stand, naechste_fortschreibung=naechste)
        log(uow, principal, r.plan_id, audit.AENDERN, ["fortschreibung.notiz"], "Fortschreibung")
        return uow.repo.load(r.plan_id)

    return pb.RecordFortschreibungResponse(plan=_once(units, principal, "RecordFortschreibung", r, work))


def close_plan(units: Units[CasePlanRepository], principal: Principal, r: pb.ClosePlanRequest) -> pb.ClosePlanResponse:
    guards.integrationsmanager(principal)
    domain.check_close(r)

    def work(uow: Uow) -> pb.Plan:
        stand = own_plan(uow.repo, principal, r.plan_id, lock=True)
        domain.require_open(stand)
        close(uow, stand, r.grund)
        log(uow, principal, r.plan_id, audit.AENDERN, ["status"], "Abschluss des Plans")
        return uow.repo.load(r.plan_id)

    return pb.ClosePlanResponse(plan=_once(units, principal, "ClosePlan", r, work))


def hand_over(units: Units[CasePlanRepository], principal: Principal, r: pb.HandOverPlanRequest) -> pb.HandOverPlanResponse:
    """Wegzug: the receiving Kommune becomes responsible; the handing one loses access."""
    guards.integrationsmanager(principal)
    domain.check_hand_over(r)

    def work(uow: Uow) -> pb.PlanUebersicht:
        stand = own_plan(uow.repo, principal, r.plan_id, lock=True)
        domain.require_open(stand)
        domain.require_other_kommune(stand, r.neue_kommune_ags)
        _bump(uow, stand, kommune_ags=r.neue_kommune_ags, integrationsmanager=r.neuer_integrationsmanager)
        log(uow, principal, r.plan_id, audit.UEBERGABE, ["kommune_ags"], f"Übergabe an {r.neue_kommune_ags}")
        publish(uow, r.plan_id, ev.PlanUebergeben(
            plan_id=r.plan_id, von_kommune_ags=stand.kommune_ags, an_kommune_ags=r.neue_kommune_ags,
        ))
        return uow.repo.overview(r.plan_id)

    # The caller is no longer responsible: it learns only the pseudonymous overview, now as later.
    def overview(plan_id: str) -> pb.PlanUebersicht:
        with units.read() as repo:
            return repo.overview(plan_id)

    answer = Answer(lambda o: o.id, overview)
    return pb.HandOverPlanResponse(plan=units.run_once(principal.label, "HandOverPlan", r, work, answer))


def withdraw_einwilligung(
    units: Units[CasePlanRepository], principal: Principal, r: pb.WithdrawEinwilligungRequest
) -> pb.WithdrawEinwilligungResponse:
    """The person withdraws consent: counselling under the plan ends; the data is kept until its
    retention ends or erasure is requested."""
    guards.integrationsmanager(principal)
    domain.check_withdraw(r)

    def work(uow: Uow) -> pb.Plan:
        stand = own_plan(uow.repo, principal, r.plan_id, lock=True)
        domain.require_einwilligung(stand)
        uow.repo.change_plan(r.plan_id, einwilligung_widerrufen_am=uow.now.date())
        if stand.offen:
            close(uow, stand, pb.ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN)
        log(uow, principal, r.plan_id, audit.AENDERN, ["einwilligung"], "Widerruf der Einwilligung")
        return uow.repo.load(r.plan_id)

    return pb.WithdrawEinwilligungResponse(plan=_once(units, principal, "WithdrawEinwilligung", r, work))


# -- what the steps share (also the person's rights and retention) --------------------------------------


def own_plan(repo: CasePlanRepository, principal: Principal, plan_id: str, *, lock: bool = False) -> Planstand:
    """The plan, if the caller's Kommune is responsible for it (lock: for a change)."""
    return domain.responsible(repo.plan(plan_id, lock=lock), principal)


def close(uow: Uow, stand: Planstand, grund: int) -> None:
    uow.repo.change_plan(
        stand.id, status=STATUS_ABGESCHLOSSEN, abgeschlossen_am=uow.now.date(), abschlussgrund=pb.Abschlussgrund.Name(grund),
        version=stand.version + 1,
    )
    publish(uow, stand.id, ev.PlanAbgeschlossen(
        plan_id=stand.id, kommune_ags=stand.kommune_ags, grund=grund, abgeschlossen_am=uow.now.date().isoformat(),
    ))


def log(uow: Uow, principal: Principal, plan_id: str, aktion: str, felder: Iterable[str], zweck: str) -> None:
    """The access log entry of a step, in its transaction: field names, never values."""
    uow.repo.log_access(principal.label, plan_id, aktion, felder, zweck, uow.now)


def publish(uow: Uow, plan_id: str, payload: Message) -> None:
    # The version is taken now, under the plan's row lock, not when the unit of work began: of two
    # changes of one plan, the later one to commit always carries the higher version.
    version = int(datetime.now(UTC).timestamp() * 1_000_000)
    uow.publish(events.CASEPLAN_EVENTS, events.wrap(
        payload, aggregate_type="integrationsplan", aggregate_key=plan_id, aggregate_version=version, producer=PRODUCER,
    ))


def plan_answer(units: Units[CasePlanRepository], principal: Principal) -> Answer[pb.Plan]:
    """The key keeps the plan's id; a repeat gets the plan as it is now, if the caller still may see it."""

    def replay(plan_id: str) -> pb.Plan:
        with units.read() as repo:
            own_plan(repo, principal, plan_id)
            return repo.load(plan_id)

    return Answer(lambda plan: plan.id, replay)


def _once(units: Units[CasePlanRepository], principal: Principal, method: str, r: Message, work) -> pb.Plan:
    return units.run_once(principal.label, method, r, work, plan_answer(units, principal))


def _bump(uow: Uow, stand: Planstand, **columns) -> None:
    uow.repo.change_plan(stand.id, version=stand.version + 1, **columns)
