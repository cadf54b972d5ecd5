"""Allocation's Bescheid applied to its Antrag: the Entscheidung, the amount approved and the
reasons become the Antrag's, with a history entry and an event, once per Bescheid."""

from __future__ import annotations

import logging

from pakt.allocation.v1.events_pb2 import BescheidErlassen
from pakt.antrag.v1.antrag_pb2 import AntragStatus, Schritt
from pakt.antrag.v1.events_pb2 import AntragBeschieden
from pakt.common.v1.envelope_pb2 import Envelope
from pakt.platform import events
from pakt.platform.unit_of_work import UnitOfWork, Units
from services.antrag import domain, mapping
from services.antrag.repository import AntragRepository

log = logging.getLogger(__name__)

# The actor allocation's Bescheide are recorded under in the history.
ALLOCATION = "allocation"


def apply_bescheid(units: Units[AntragRepository], envelope: Envelope, bescheid: BescheidErlassen) -> str:
    """Apply allocation's Entscheidung to the Antrag; returns the outcome for metrics."""

    def work(uow: UnitOfWork[AntragRepository]) -> str:
        row = uow.repo.find(bescheid.antrag_id, lock=True)
        if row is not None and row.bescheid_id == bescheid.bescheid_id:
            # The same Bescheid again, e.g. published again by allocation after a lost message or
            # by `pakt abgleich`: it is applied already.
            return "duplicate"
        if row is None or domain.transition_error(Schritt.SCHRITT_BESCHIEDEN, AntragStatus.Value(row.status)):
            # Cannot happen while withdrawal ends with the Prüfung; if it does, money was bound for
            # an Antrag that is not waiting for it, and someone must look.
            log.error("Bescheid for an Antrag not awaiting one", extra={"antrag_id": bescheid.antrag_id})
            return "ignored"
        status = AntragStatus.Name(domain.STATUS_NACH_BESCHEID[bescheid.entscheidung])
        version = row.version + 1
        uow.repo.change(
            row,
            {
                "status": status,
                "bewilligt_cent": bescheid.bewilligt_cent,
                "bescheid_id": bescheid.bescheid_id,
                "bescheid_begruendung": bescheid.begruendung,
                "geaendert_at": uow.now,
                "version": version,
            },
        )
        uow.repo.record(
            row.id, version, uow.now, ALLOCATION, Schritt.Name(Schritt.SCHRITT_BESCHIEDEN), row.status, status,
            f"Bescheid {bescheid.bescheid_id}: {bescheid.begruendung}", bescheid.bewilligt_cent,
        )
        proto = uow.repo.load([row.id])[0]
        event = AntragBeschieden(antrag=mapping.public(proto), bescheid_id=bescheid.bescheid_id)
        uow.publish(events.ANTRAG_EVENTS, mapping.event(event, proto))
        return "applied"

    return units.apply(envelope.event_id, work, duplicate="duplicate")
