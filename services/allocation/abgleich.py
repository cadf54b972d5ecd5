"""Reconciliation (`pakt abgleich`, `pakt report rebuild`): allocation's events published again on
an operator's request, from the outbox, with their original ids."""

from __future__ import annotations

from pakt.allocation.v1.allocation_pb2 import RepublishRequest, RepublishResponse
from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.reconciliation import queue_again, republish_selection
from pakt.platform.unit_of_work import UnitsOfWork
from pakt.platform.validation import UUID
from services.allocation.repository import AllocationRepository


def republish(units: UnitsOfWork[AllocationRepository], principal: Principal, r: RepublishRequest) -> RepublishResponse:
    """Queue the published events about the given Anträge (their Bescheide), or every event
    (Bescheide and Verteilungen), to be published again."""
    guards.operator(principal)
    ids = republish_selection(r.antrag_ids, r.alle, UUID)
    return RepublishResponse(events_queued=queue_again(units.engine, units.outbox, ids, principal.label, units.on_events))
