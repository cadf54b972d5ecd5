"""The mechanics every step on an existing Antrag shares, whoever takes it: lock the Antrag, check
the caller and the status machine, apply the step's change, write its history entry and its event,
all in one unit of work that is idempotent per caller and request_id."""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.message import Message
from sqlalchemy import Row

from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus, Schritt
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, NotFound, PermissionDenied
from pakt.platform.guards import NUR_KOMMUNE
from pakt.platform.idempotency import response_bytes
from pakt.platform.unit_of_work import UnitOfWork, Units
from services.antrag import domain, mapping
from services.antrag.repository import AntragRepository

KEIN_ZUGRIFF = "Kein Zugriff auf diesen Antrag."

# What a step changes: (column values, the reason for the history, the amount it concerns).
Change = tuple[dict, str, int]


def step(
    units: Units[AntragRepository],
    principal: Principal,
    request,
    method: str,
    schritt: int,
    change: Callable[[UnitOfWork[AntragRepository], Row], Change],
    response_type: type[Message],
    respond: Callable[[Antrag], Message] | None = None,
) -> Message:
    """Take a step on request.antrag_id; change(uow, row) returns what it changes, or raises."""

    def work(uow: UnitOfWork[AntragRepository]) -> Message:
        row = uow.repo.find(request.antrag_id, lock=True)
        if row is None:
            if principal.is_operator:
                raise NotFound(f"Antrag {request.antrag_id} nicht gefunden.")
            raise PermissionDenied(KEIN_ZUGRIFF)
        if not principal.is_operator and row.antragsteller_ags != principal.ags:
            raise PermissionDenied(NUR_KOMMUNE if uow.repo.visible(principal, row.id) else KEIN_ZUGRIFF)
        status = AntragStatus.Value(row.status)
        if (error := domain.transition_error(schritt, status)) is not None:
            raise FailedPrecondition(error)
        values, why, betrag = change(uow, row)
        nachher = AntragStatus.Name(domain.STATUS_NACH.get(schritt, status))
        version = row.version + 1
        uow.repo.change(row, {**values, "status": nachher, "geaendert_at": uow.now, "version": version})
        uow.repo.record(row.id, version, uow.now, principal.label, Schritt.Name(schritt), row.status, nachher, why, betrag)
        proto = uow.repo.load([row.id])[0]
        event = AntragFortgeschrieben(antrag=mapping.public(proto), schritt=schritt)
        uow.publish(events.ANTRAG_EVENTS, mapping.event(event, proto))
        return respond(proto) if respond is not None else response_type(antrag=proto)

    return units.run_once(principal.label, method, request, work, response_bytes(response_type))


def authorize_read(repo: AntragRepository, principal: Principal, antrag_id: str) -> None:
    """Operators read every Antrag; a Kommune those it takes part in (never learning whether
    another exists)."""
    exists = repo.find(antrag_id) is not None
    if principal.is_operator:
        if not exists:
            raise NotFound(f"Antrag {antrag_id} nicht gefunden.")
        return
    if not exists or not repo.visible(principal, antrag_id):
        raise PermissionDenied(KEIN_ZUGRIFF)
