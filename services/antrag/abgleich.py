"""Reconciliation and self-repair: every Antrag's money state for `pakt abgleich`, publishing
Anträge' events again on an operator's request, and asking again for Bescheide that have not come
(scheduled by nachfrage.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.outbox import republish
from pakt.platform.reconciliation import (
    decode_page_token,
    encode_page_token,
    page_size,
    queue_again,
    republish_selection,
)
from pakt.platform.unit_of_work import UnitsOfWork
from pakt.platform.validation import UUID
from services.antrag import mapping
from services.antrag.repository import AntragRepository

log = logging.getLogger(__name__)

# An Antrag whose Prüfung was completed longer ago than this and that has no Bescheid yet has its
# events published again (republish_undecided): allocation decides within seconds normally.
BESCHEID_ERWARTET_BINNEN = timedelta(minutes=5)


def list_geldstaende(
    units: UnitsOfWork[AntragRepository], principal: Principal, r: pb.ListGeldstaendeRequest
) -> pb.ListGeldstaendeResponse:
    """Every Antrag's money state, by id, in pages (operators: `pakt abgleich`)."""
    guards.operator(principal)
    size = page_size(r.page_size)
    with units.read() as repo:
        rows = repo.money_page(decode_page_token(r.page_token), size)
    page = [mapping.geldstand(row) for row in rows[:size]]
    token = encode_page_token(page[-1].antrag_id) if len(rows) > size else ""
    return pb.ListGeldstaendeResponse(geldstaende=page, next_page_token=token)


def republish_antraege(
    units: UnitsOfWork[AntragRepository], principal: Principal, r: pb.RepublishRequest
) -> pb.RepublishResponse:
    """Queue the published events of the given Anträge, or of all, to be published again."""
    guards.operator(principal)
    ids = republish_selection(r.antrag_ids, r.alle, UUID)
    queued = queue_again(units.engine, units.outbox, ids, principal.label, units.on_events)
    return pb.RepublishResponse(events_queued=queued)


def republish_undecided(
    units: UnitsOfWork[AntragRepository], older_than: timedelta = BESCHEID_ERWARTET_BINNEN, limit: int = 500
) -> int:
    """Self-repair, one round: the Anträge whose Prüfung was completed more than older_than ago and
    that still have no Bescheid get their events published again (oldest first, at most limit),
    so that allocation decides them, or sends the Bescheid it made again when it has one. Returns
    the number of events queued."""

    def work(uow) -> tuple[int, int]:
        ids = uow.repo.undecided(uow.now - older_than, limit)
        return len(ids), republish(uow.conn, units.outbox, ids) if ids else 0

    antraege, queued = units.run(work)
    if queued:
        # (Nothing is queued while their events still wait in the outbox, e.g. for the broker.)
        log.warning(
            "Anträge still without a Bescheid: their events are published again",
            extra={"antraege": antraege, "events": queued, "older_than_s": older_than.total_seconds()},
        )
        units.on_events()
    return queued
