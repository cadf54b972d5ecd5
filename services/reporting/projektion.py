"""Applying the services' events to the read model, one handler per event type (the aggregator's
table). Each event is applied in one unit of work together with the count of events processed per
producer, and, if it changed the read model, the count of events applied.

Idempotent by aggregate version (domain.neuer), not by an inbox: an older or repeated event changes
nothing, so a redelivery, a replay or a republish from the owners' outboxes gives the same figures.

The aggregation applies the events a poll returns in batches (`stapel`: one transaction). Within a
batch the Antrag events are written at its end, only the newest state of each Antrag
(domain.falte_staende), and the counters once, summed; the outcome of every event and the counters
come out as if each event had been applied on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC

from pakt.antrag.v1.antrag_pb2 import Antrag
from pakt.caseplan.v1.events_pb2 import ZielFortgeschrieben
from pakt.platform.events import Event
from pakt.platform.unit_of_work import UnitOfWork, Units
from services.reporting import domain, mapping
from services.reporting.domain import APPLIED, IGNORED, STALE
from services.reporting.repository import ReportingRepository

# Where a batch keeps what it leaves to its end (UnitOfWork.batch).
_STAPEL = "reporting.stapel"


@contextmanager
def stapel(units: Units[ReportingRepository]) -> Iterator[None]:
    """Every event handled inside in one transaction (the consumer's batch): the Antrag events and
    the counters are written at its end, before the commit."""
    with units.batch() as shared:
        offen = shared[_STAPEL] = _Stapel()
        yield
        units.run(offen.schreiben)


class _Stapel:
    """What a batch leaves to its end: its Antrag events, and the counters summed."""

    def __init__(self) -> None:
        self.antraege: list[Event] = []
        self.angewandt: list[bool] = []  # per Antrag event, once written
        self.zaehlung = domain.Zaehlung()

    def antrag(self, event: Event) -> Callable[[], str]:
        """Keep an Antrag event; its outcome is known once the batch is written."""
        i = len(self.antraege)
        self.antraege.append(event)
        self.zaehlung.verarbeitet_von(event.envelope.producer)
        return lambda: APPLIED if self.angewandt[i] else STALE

    def schreiben(self, uow: UnitOfWork[ReportingRepository]) -> None:
        staende = [e.payload.antrag for e in self.antraege]
        im_lesemodell = uow.repo.antrag_versionen(a.id for a in staende) if staende else {}
        faltung = domain.falte_staende(im_lesemodell, [(a.id, a.version) for a in staende])
        angewandt = [e.envelope.occurred_at for e, neu in zip(self.antraege, faltung.angewandt, strict=True) if neu]
        if angewandt:
            neuestes = max(angewandt, key=lambda t: (t.seconds, t.nanos))
            self.zaehlung.angewandt_am(neuestes.ToDatetime(tzinfo=UTC), len(angewandt))
        neu, geaendert = [], []
        for antrag_id, i in faltung.zu_schreiben.items():
            row = {"antrag_id": antrag_id, **mapping.antrag_werte(staende[i])}
            (geaendert if antrag_id in im_lesemodell else neu).append(row)
        uow.repo.save_antraege(neu, geaendert)
        z = self.zaehlung
        for producer, anzahl in sorted(z.verarbeitet.items()):
            uow.repo.count_processed(producer, anzahl)
        if z.angewandt:
            uow.repo.count_applied(z.neuestes_ereignis_at, uow.now, z.angewandt)
        self.angewandt = faltung.angewandt


def _offen(uow: UnitOfWork[ReportingRepository]) -> _Stapel | None:
    return None if uow.batch is None else uow.batch.get(_STAPEL)


def antrag(units: Units[ReportingRepository], event: Event) -> str | Callable[[], str]:
    """AntragEingereicht, AntragBeschieden, AntragFortgeschrieben: each carries the whole Antrag
    at its version. Inside a batch it is written at the batch's end, and the outcome returned then."""
    a: Antrag = event.payload.antrag

    def change(repo: ReportingRepository) -> bool:
        current = repo.antrag_version(a.id)
        if not domain.neuer(current, a.version):
            return False
        repo.save_antrag(a.id, mapping.antrag_werte(a), neu=current is None)
        return True

    def work(uow: UnitOfWork[ReportingRepository]) -> str | Callable[[], str]:
        offen = _offen(uow)
        return offen.antrag(event) if offen is not None else _folded(uow, event, change)

    return units.run(work)


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
    units.run(lambda uow: _count(uow, event, changed=False))
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
    return units.run(lambda uow: _folded(uow, event, change))


def _folded(uow: UnitOfWork[ReportingRepository], event: Event, change: Callable[[ReportingRepository], bool]) -> str:
    changed = change(uow.repo)
    _count(uow, event, changed)
    return APPLIED if changed else STALE


def _count(uow: UnitOfWork[ReportingRepository], event: Event, changed: bool) -> None:
    """Count the event per producer and, if it changed the read model, as applied; inside a batch
    summed and written at its end."""
    envelope = event.envelope
    offen = _offen(uow)
    if offen is not None:
        offen.zaehlung.verarbeitet_von(envelope.producer)
        if changed:
            offen.zaehlung.angewandt_am(envelope.occurred_at.ToDatetime(tzinfo=UTC))
        return
    uow.repo.count_processed(domain.erzeuger(envelope.producer))
    if changed:
        uow.repo.count_applied(envelope.occurred_at.ToDatetime(tzinfo=UTC), uow.now)
