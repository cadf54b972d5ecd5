"""The Bewilligungsstelle's steps on an Antrag: the Prüfung (begin, Nachforderung, complete — which
hands the Antrag to allocation for its Entscheidung) and the Auszahlung of a Mittelabruf."""

from __future__ import annotations

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.antrag_pb2 import MittelabrufStatus, Schritt
from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, NotFound
from pakt.platform.unit_of_work import UnitOfWork, Units
from services.antrag import domain
from services.antrag.repository import AntragRepository
from services.antrag.schritt import step

ANGEFORDERT = MittelabrufStatus.Name(MittelabrufStatus.MITTELABRUF_STATUS_ANGEFORDERT)


def begin_pruefung(units: Units[AntragRepository], principal: Principal, r: pb.BeginPruefungRequest) -> pb.BeginPruefungResponse:
    guards.operator(principal)
    domain.step_violations(r, "vermerk").raise_if_any()
    return step(
        units, principal, r, "BeginPruefung", Schritt.SCHRITT_PRUEFUNG_BEGONNEN,
        lambda uow, row: ({}, r.vermerk, 0), pb.BeginPruefungResponse,
    )


def request_nachforderung(
    units: Units[AntragRepository], principal: Principal, r: pb.RequestNachforderungRequest
) -> pb.RequestNachforderungResponse:
    guards.operator(principal)
    v = domain.step_violations(r, "text", required=True)
    frist = v.datum(r.frist, "frist")
    if frist is not None and (error := domain.frist_error(frist, units.clock().date())) is not None:
        v.add("frist", error)
    v.raise_if_any()

    def change(uow, row):
        values = {"nachforderung_text": r.text, "nachforderung_frist": frist, "nachforderung_antwort": ""}
        return values, f"{r.text}\nFrist: {r.frist}", 0

    return step(
        units, principal, r, "RequestNachforderung", Schritt.SCHRITT_NACHFORDERUNG_GESTELLT, change,
        pb.RequestNachforderungResponse,
    )


def complete_pruefung(
    units: Units[AntragRepository], principal: Principal, r: pb.CompletePruefungRequest
) -> pb.CompletePruefungResponse:
    guards.operator(principal)
    domain.step_violations(r, "vermerk").raise_if_any()
    return step(
        units, principal, r, "CompletePruefung", Schritt.SCHRITT_PRUEFUNG_ABGESCHLOSSEN,
        lambda uow, row: ({}, r.vermerk, row.betrag_cent), pb.CompletePruefungResponse,
    )


def confirm_auszahlung(
    units: Units[AntragRepository], principal: Principal, r: pb.ConfirmAuszahlungRequest
) -> pb.ConfirmAuszahlungResponse:
    guards.operator(principal)
    v = domain.step_violations(r)
    v.uuid(r.mittelabruf_id, "mittelabruf_id")
    v.raise_if_any()

    def change(uow: UnitOfWork[AntragRepository], row):
        abruf = uow.repo.mittelabruf(r.mittelabruf_id, row.id)
        if abruf is None:
            raise NotFound(f"Mittelabruf {r.mittelabruf_id} gehört nicht zu Antrag {row.id}.")
        if abruf.status != ANGEFORDERT:
            raise FailedPrecondition(f"Mittelabruf {abruf.id} ist bereits ausgezahlt.")
        uow.repo.mark_paid(abruf.id, uow.now)
        return {"ausgezahlt_cent": row.ausgezahlt_cent + abruf.betrag_cent}, f"Mittelabruf {abruf.id}", abruf.betrag_cent

    return step(
        units, principal, r, "ConfirmAuszahlung", Schritt.SCHRITT_AUSZAHLUNG_ANGEWIESEN, change,
        pb.ConfirmAuszahlungResponse,
    )

