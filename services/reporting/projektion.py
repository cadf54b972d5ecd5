"""Applying the services' events to the read model, one handler per event type (the aggregator's
table). Each event is applied in one unit of work together with the count of events processed per
producer, and, if it changed the read model, the count of events applied.

Idempotent by aggregate version (domain.neuer), not by an inbox: an older or repeated event changes
nothing, so a redelivery, a replay or a republish from the owners' outboxes gives the same figures.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from pakt.antrag.v1.antrag_pb2 import Antrag
from pakt.caseplan.v1.events_pb2 import ZielFortgeschrieben
from pakt.platform.events import Event
from pakt.platform.unit_of_work import UnitOfWork, Units
from services.reporting import domain, mapping
from services.reporting.domain import APPLIED, IGNORED, STALE
from services.reporting.repository import ReportingRepository


def antrag(units: Units[ReportingRepository], event: Event) -> str:
    """AntragEingereicht, AntragBeschieden, AntragFortgeschrieben: each carries the whole Antrag
    at its version."""
    a: Antrag = event.payload.antrag

    def change(repo: ReportingRepository) -> bool:
        current = repo.antrag_version(a.id)
        if not domain.neuer(current, a.version):
            return False
        repo.save_antrag(a.id, mapping.antrag_werte(a), neu=current is None)
        return True

    return _fold(units, event, change)


def verteilung(units: Units[ReportingRepository], event: Event) -> str:
    """VerteilungFestgelegt: the Planungsrahmen of a programme and year, all at once."""
    v, version = event.payload, event.envelope.aggregate_version
    programm = mapping.programm(v.programm)

    def change(repo: ReportingRepository) -> bool:
        current = repo.verteilung_version(programm, v.foerderjahr)
        if not domain.neuer(current, version):
            return False
        repo.save_verteilung(programm, v.foerderjahr, version, v.verteilung_id, neu=current is None)
        repo.replace_rahmen(programm, v.foerderjahr, mapping.rahmen_zeilen(v))
        return True

    return _fold(units, event, change)


def bescheid(units: Units[ReportingRepository], event: Event) -> str:
    """BescheidErlassen changes nothing here (the Antrag's own events carry its money), but it is
    counted: a rebuild waits until reporting has processed every event allocation published again."""
    units.run(lambda uow: uow.repo.count_processed(domain.erzeuger(event.envelope.producer)))
    return IGNORED


def plan_eroeffnet(units: Units[ReportingRepository], event: Event) -> str:
    p = event.payload
    return _fold(units, event, lambda repo: _plan(repo, p.plan_id, p.kommune_ags, event.envelope.aggregate_version))


def plan_uebergeben(units: Units[ReportingRepository], event: Event) -> str:
    """The plan moves to the new Kommune, with its goals (if this is its newest event)."""
    p = event.payload
    return _fold(units, event, lambda repo: _plan(repo, p.plan_id, p.an_kommune_ags, event.envelope.aggregate_version))


def plan_abgeschlossen(units: Units[ReportingRepository], event: Event) -> str:
    p = event.payload
    version = event.envelope.aggregate_version
    return _fold(units, event, lambda repo: _plan(repo, p.plan_id, p.kommune_ags, version, abgeschlossen=True))


def ziel_fortgeschrieben(units: Units[ReportingRepository], event: Event) -> str:
    """A goal's news is also the plan's newest word on where it is."""
    z: ZielFortgeschrieben = event.payload
    version = event.envelope.aggregate_version

    def change(repo: ReportingRepository) -> bool:
        plan_changed = _plan(repo, z.plan_id, z.kommune_ags, version)
        current = repo.ziel_version(z.ziel_id)
        if not domain.neuer(current, version):
            return plan_changed
        repo.save_ziel(z.ziel_id, mapping.ziel_werte(z, version, repo.plan(z.plan_id)), neu=current is None)
        return True

    return _fold(units, event, change)


def _plan(repo: ReportingRepository, plan_id: str, kommune_ags: str, version: int, abgeschlossen: bool = False) -> bool:
    current = repo.plan(plan_id)
    plan = domain.plan_nach(current, kommune_ags, version, abgeschlossen)
    if plan is None:
        return False
    repo.save_plan(plan_id, plan, neu=current is None)
    if current is not None and plan.kommune_ags != current.kommune_ags:
        repo.move_ziele(plan_id, plan.kommune_ags, plan.kreis_ags)
    return True


def _fold(units: Units[ReportingRepository], event: Event, change: Callable[[ReportingRepository], bool]) -> str:
    """Apply one event and count it, in one transaction; returns the outcome for metrics."""
    envelope = event.envelope

    def work(uow: UnitOfWork[ReportingRepository]) -> str:
        changed = change(uow.repo)
        uow.repo.count_processed(domain.erzeuger(envelope.producer))
        if changed:
            uow.repo.count_applied(envelope.occurred_at.ToDatetime(tzinfo=UTC), uow.now)
        return APPLIED if changed else STALE

    return units.run(work)
