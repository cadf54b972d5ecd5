"""The steps of an Antrag that commit money or release it, as antrag's events bring them: a
completed Prüfung is decided against the Planungsrahmen of the Antrag's Pool (the Bescheid, its
Bindungen and the event BescheidErlassen, together), a Verwendungsnachweis gives back what was not
spent. Each event is applied once (the inbox); each Antrag is decided once, however often its
events arrive."""

from __future__ import annotations

import logging
import uuid

from pakt.allocation.v1.allocation_pb2 import Ablehnungsgrund, Entscheidung
from pakt.antrag.v1.antrag_pb2 import Antrag, Schritt
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.common.v1.envelope_pb2 import Envelope
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform import events
from pakt.platform.unit_of_work import UnitOfWork, Units
from pakt.referenzdaten import gebiete
from services.allocation import domain, mapping
from services.allocation.domain import SCHWELLENWERT
from services.allocation.repository import AllocationRepository

log = logging.getLogger(__name__)

DUPLICATE = "duplicate"
_SEEN = "seen"  # the inbox has the event id already


class ConcurrentChange(RuntimeError):
    """The Planungsrahmen changed between read and write; the consumer retries the event."""


def apply_antrag_event(units: Units[AllocationRepository], event: events.Event) -> str:
    """The steps of an Antrag that commit money (Prüfung completed) or release it
    (Verwendungsnachweis); returns the outcome for metrics."""
    payload = event.payload
    if not isinstance(payload, AntragFortgeschrieben):
        return "ignored"
    if payload.schritt == Schritt.SCHRITT_PRUEFUNG_ABGESCHLOSSEN:
        return decide(units, event.envelope, payload.antrag)
    if payload.schritt == Schritt.SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN:
        return release(units, event.envelope, payload.antrag)
    return "ignored"


def decide(units: Units[AllocationRepository], envelope: Envelope, a: Antrag) -> str:
    """Decide an Antrag once, however often its event arrives; returns the outcome for metrics.

    A completed Prüfung of an Antrag decided already (its event redelivered, or published again
    because antrag still waits for its Bescheid) may mean that the Bescheid never reached antrag:
    it is published again; antrag applies it once. (While the Bescheid still waits in the outbox,
    nothing is queued twice.)
    """
    outcome = units.apply(envelope.event_id, lambda uow: _decide_once(uow, envelope, a), _SEEN)
    if outcome == _SEEN:
        outcome = units.run(lambda uow: _publish_again(uow, a.id))
    if outcome == "republished":
        log.info("Bescheid published again", extra={"antrag_id": a.id})
        units.on_events()  # rows queued again are not new events: wake the relay here
    return outcome


def _decide_once(uow: UnitOfWork[AllocationRepository], envelope: Envelope, a: Antrag) -> str:
    if uow.repo.bescheid_of(a.id) is not None:
        return _publish_again(uow, a.id)
    return _decide(uow, envelope, a)


def _publish_again(uow: UnitOfWork[AllocationRepository], antrag_id: str) -> str:
    if uow.repo.bescheid_of(antrag_id) is None:
        return DUPLICATE  # cannot happen: the inbox entry and the Bescheid are written together
    return "republished" if uow.repo.publish_again([antrag_id]) else DUPLICATE


def _decide(uow: UnitOfWork[AllocationRepository], envelope: Envelope, a: Antrag) -> str:
    """The Entscheidung itself. The Antrag draws on the Planungsrahmen of its Pool: its own, or for a
    Kooperation the lead's and the members', or for a Landkreis those of the Gemeinden that
    transferred the task to it."""
    programm = Programm.Name(a.programm)
    pool = domain.rahmen_pool(a, gebiete())
    pool_rahmen = uow.repo.pool(pool, programm, a.foerderjahr) if pool else []
    if not pool_rahmen or len(pool_rahmen) != len(pool):
        has_budget = uow.repo.has_budget(programm, a.foerderjahr)
        entscheid = domain.kein_rahmen(a.antragsteller_ags, programm, a.foerderjahr, has_budget=has_budget)
        rahmen_cent = gebunden_vorher = 0
    else:
        rahmen_cent = sum(f.rahmen_cent for f in pool_rahmen)
        gebunden_vorher = sum(f.gebunden_cent for f in pool_rahmen)
        schwelle = domain.in_force(uow.repo.parameters_valid_by(uow.now.date())).get((SCHWELLENWERT, programm, None, None))
        entscheid = domain.decide(
            a.betrag_cent, rahmen_cent, gebunden_vorher, schwelle.betrag_cent if schwelle is not None else None
        )
    parts = domain.bindungen(entscheid.bewilligt_cent, {f.kommune_ags: f.rahmen_cent - f.gebunden_cent for f in pool_rahmen})
    for f in pool_rahmen:
        if parts.get(f.kommune_ags, 0) and not uow.repo.bind(
            f.kommune_ags, programm, a.foerderjahr, f.gebunden_cent, parts[f.kommune_ags]
        ):
            raise ConcurrentChange(a.id)
    bescheid_id = str(uuid.uuid4())
    uow.repo.add_bescheid(
        {
            "id": bescheid_id, "antrag_id": a.id, "antrag_event_id": envelope.event_id,
            "kommune_ags": a.antragsteller_ags, "rahmen_ags": pool[0] if len(pool) == 1 else None,
            "programm": programm, "foerderjahr": a.foerderjahr,
            "entscheidung": Entscheidung.Name(entscheid.entscheidung),
            "ablehnungsgrund": Ablehnungsgrund.Name(entscheid.ablehnungsgrund),
            "beantragt_cent": a.betrag_cent, "bewilligt_cent": entscheid.bewilligt_cent, "rahmen_cent": rahmen_cent,
            "gebunden_vorher_cent": gebunden_vorher, "begruendung": entscheid.begruendung, "erlassen_at": uow.now,
        },
        [
            {"kommune_ags": f.kommune_ags, "programm": programm, "foerderjahr": a.foerderjahr, "gebunden_cent": parts[f.kommune_ags]}
            for f in pool_rahmen
            if parts.get(f.kommune_ags, 0)
        ],
    )
    uow.publish(
        events.ALLOCATION_EVENTS,
        mapping.bescheid_erlassen(bescheid_id, a, entscheid, rahmen_cent, gebunden_vorher, pool_rahmen, parts),
    )
    return "applied"


def release(units: Units[AllocationRepository], envelope: Envelope, a: Antrag) -> str:
    """Give what the Verwendungsnachweis left unspent back to the Planungsrahmen it was bound to."""
    return units.apply(envelope.event_id, lambda uow: _release(uow, a), DUPLICATE)


def _release(uow: UnitOfWork[AllocationRepository], a: Antrag) -> str:
    erlassen = uow.repo.bescheid_of(a.id)
    if erlassen is None or a.freigegeben_cent <= 0:
        return "ignored"
    rows = uow.repo.bindungen(erlassen.id)
    outcome, parts = domain.freigabe(
        a.freigegeben_cent, {r.kommune_ags: (r.gebunden_cent, r.freigegeben_cent) for r in rows}
    )
    if outcome == "rejected":
        log.error("release exceeds the binding", extra={"antrag_id": a.id})
    if outcome == "applied":
        for r in rows:
            uow.repo.release(r, parts[r.kommune_ags])
    return outcome
