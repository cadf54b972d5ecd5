"""Importing an Erhebung: the counts of a file (checked by erhebung_datei) stored, and the
Verteilungen that follow its Stichtag recomputed, in one transaction.

An Erhebung changes Planungsrahmen only where a Stichtag parameter in force names its Stichtag (and
no final Erhebung takes precedence); otherwise it is stored and verteilung_ids is empty. A
recomputed Planungsrahmen below the money already bound in it refuses the whole import
(FailedPrecondition): nothing is stored.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable

from pakt.allocation.v1.allocation_pb2 import ErhebungKopf, ImportErhebungResponse
from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.errors import FieldViolation, InvalidArgument
from pakt.platform.idempotency import fingerprint, response_bytes
from pakt.platform.unit_of_work import UnitOfWork, Units
from pakt.referenzdaten import gebiete
from services.allocation import domain, erhebung_datei, verteilung
from services.allocation.repository import AllocationRepository

log = logging.getLogger(__name__)

METHOD = "ImportErhebung"


def check_allowed(principal: Principal) -> None:
    """Only the Bewilligungsstelle imports; checked before a file is read."""
    guards.operator(principal)


def import_erhebung(
    units: Units[AllocationRepository], principal: Principal, kopf: ErhebungKopf, lines: Iterable[str]
) -> ImportErhebungResponse:
    """Validate the Kopf and every line; store the counts and recompute the Verteilungen whose
    Stichtag they are for. Repeating a request (same request_id, Kopf and file) answers as the
    first time; the same request_id for anything else is refused."""
    guards.operator(principal)
    k, lines, anzahlen = erhebung_datei.read(kopf, lines, gebiete().gemeinden)
    sha256 = erhebung_datei.datei_sha256(lines)

    def work(uow: UnitOfWork[AllocationRepository]) -> ImportErhebungResponse:
        erhebung_id = str(uuid.uuid4())
        gesamt = sum(anzahlen.values())
        uow.repo.add_erhebung(
            {
                "id": erhebung_id, "stichtag": k.stichtag, "art": k.art, "quelle": k.quelle, "dateiname": k.dateiname,
                "sha256": sha256, "anzahl_gesamt": gesamt, "importiert_von": principal.label,
                "importiert_at": uow.now, "request_id": k.request_id,
            },
            anzahlen,
        )
        created = verteilung.recompute(uow, principal.label)
        log.info(
            "erhebung imported",
            extra={"stichtag": k.stichtag.isoformat(), "art": k.art, "by": principal.label, "verteilungen": len(created)},
        )
        return ImportErhebungResponse(
            erhebung_id=erhebung_id, gemeinden=len(anzahlen), anzahl_gesamt=gesamt, verteilung_ids=created
        )

    try:
        return units.run_once(
            domain.BEWILLIGUNGSSTELLE, METHOD, kopf, work, response_bytes(ImportErhebungResponse),
            digest=import_digest(kopf, sha256),
        )
    except InvalidArgument as refused:
        # The key store names "request_id"; in this request it is the Kopf's.
        raise InvalidArgument(
            [FieldViolation("kopf.request_id" if f.field == "request_id" else f.field, f.description) for f in refused.violations]
        ) from None


def import_digest(kopf: ErhebungKopf, datei_sha256: str) -> str:
    """What identifies an import for its idempotency key: the Kopf (without its request_id) and the
    file, by its hash. (Migration 0005 computes the same for the imports before it.)"""
    return hashlib.sha256(f"{fingerprint(METHOD, kopf)}\0{datei_sha256}".encode()).hexdigest()
