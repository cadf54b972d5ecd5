"""The applicant's steps: a Kommune submits an Antrag, withdraws it, answers a Nachforderung,
draws funds (Mittelabruf), proves their use (Verwendungsnachweis), and a Gemeinde transfers the
Integrationsmanagement to its Landkreis (Übertragung)."""

from __future__ import annotations

import uuid
from datetime import date

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus, Schritt
from pakt.antrag.v1.events_pb2 import AntragEingereicht
from pakt.common.v1.programm_pb2 import Programm
from pakt.geld import euro
from pakt.platform import events, guards
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition
from pakt.platform.idempotency import response_bytes
from pakt.platform.unit_of_work import UnitOfWork, Units
from pakt.referenzdaten import gebiete, programme
from services.antrag import domain, mapping
from services.antrag.domain import ANTRAGSTELLER, MITGLIED, UEBERTRAGEND
from services.antrag.repository import AntragRepository
from services.antrag.schritt import step

IM = Programm.Name(Programm.PROGRAMM_INTEGRATIONSMANAGEMENT)

Uow = UnitOfWork[AntragRepository]


def submit(units: Units[AntragRepository], principal: Principal, r: pb.SubmitAntragRequest) -> pb.SubmitAntragResponse:
    guards.kommune(principal)
    domain.validate_submission(r, gebiete(), programme())
    guards.own_kommune(principal, r.antragsteller_ags, f"Eine Kommune stellt Anträge nur in eigenem Namen ({principal.ags}).")

    def work(uow: Uow) -> pb.SubmitAntragResponse:
        programm = Programm.Name(r.programm)
        beginn, ende = date.fromisoformat(r.beginn), date.fromisoformat(r.ende)
        uebertragende = _check_participation(uow.repo, r, programm, beginn, ende)
        row = {
            "id": str(uuid.uuid4()),
            "status": AntragStatus.Name(AntragStatus.ANTRAG_STATUS_EINGEGANGEN),
            "antragsteller_ags": r.antragsteller_ags,
            "kreis_ags": gebiete().kreis_of(r.antragsteller_ags),
            "programm": programm,
            "foerderjahr": r.foerderjahr,
            "beginn": beginn,
            "ende": ende,
            "traegerschaft": pb.Traegerschaft.Name(r.traegerschaft),
            "traeger_name": r.traeger_name,
            "ansprechperson_name": r.ansprechperson.name,
            "ansprechperson_email": r.ansprechperson.email,
            "ansprechperson_telefon": r.ansprechperson.telefon,
            "begruendung": r.begruendung,
            "betrag_cent": r.betrag_cent,
            "bewilligt_cent": 0,
            "abgerufen_cent": 0,
            "ausgezahlt_cent": 0,
            "verwendet_cent": 0,
            "rueckforderung_cent": 0,
            "freigegeben_cent": 0,
            "bescheid_id": None,
            "bescheid_begruendung": "",
            "nachforderung_text": "",
            "nachforderung_frist": None,
            "nachforderung_antwort": "",
            "eingegangen_at": uow.now,
            "geaendert_at": uow.now,
            "version": 1,
        }
        stellen = [
            {"vzae_hundertstel": s.vzae_hundertstel, "qualifikation": pb.Qualifikation.Name(s.qualifikation)}
            for s in r.stellen
        ]
        lead_share = 100 - sum(m.anteil_prozent for m in r.mitglieder)
        beteiligte = [(r.antragsteller_ags, ANTRAGSTELLER, lead_share)]
        beteiligte += [(m.ags, MITGLIED, m.anteil_prozent) for m in r.mitglieder]
        beteiligte += [(ags, UEBERTRAGEND, 0) for ags in uebertragende]
        uow.repo.add(row, stellen, beteiligte)
        uow.repo.record(
            row["id"], 1, uow.now, principal.label, Schritt.Name(Schritt.SCHRITT_EINGEREICHT), "", row["status"],
            r.begruendung, r.betrag_cent,
        )
        proto = uow.repo.load([row["id"]])[0]
        uow.publish(events.ANTRAG_EVENTS, mapping.event(AntragEingereicht(antrag=mapping.public(proto)), proto))
        return pb.SubmitAntragResponse(antrag=proto)

    return units.run_once(principal.label, "SubmitAntrag", r, work, response_bytes(pb.SubmitAntragResponse))


def withdraw(units: Units[AntragRepository], principal: Principal, r: pb.WithdrawAntragRequest) -> pb.WithdrawAntragResponse:
    guards.kommune(principal)
    domain.step_violations(r, "begruendung", required=True).raise_if_any()
    return step(
        units, principal, r, "WithdrawAntrag", Schritt.SCHRITT_ZURUECKGEZOGEN,
        lambda uow, row: ({}, r.begruendung, 0), pb.WithdrawAntragResponse,
    )


def answer_nachforderung(
    units: Units[AntragRepository], principal: Principal, r: pb.AnswerNachforderungRequest
) -> pb.AnswerNachforderungResponse:
    guards.kommune(principal)
    domain.step_violations(r, "antwort", required=True).raise_if_any()
    return step(
        units, principal, r, "AnswerNachforderung", Schritt.SCHRITT_NACHFORDERUNG_BEANTWORTET,
        lambda uow, row: ({"nachforderung_antwort": r.antwort}, r.antwort, 0), pb.AnswerNachforderungResponse,
    )


def request_mittelabruf(
    units: Units[AntragRepository], principal: Principal, r: pb.RequestMittelabrufRequest
) -> pb.RequestMittelabrufResponse:
    guards.kommune(principal)
    v = domain.step_violations(r)
    v.betrag(r.betrag_cent, "betrag_cent")
    v.raise_if_any()
    abruf_id = str(uuid.uuid4())

    def change(uow: Uow, row):
        if (error := domain.mittelabruf_error(r.betrag_cent, row.bewilligt_cent, row.abgerufen_cent)) is not None:
            raise FailedPrecondition(error)
        uow.repo.add_mittelabruf(abruf_id, row.id, r.betrag_cent, uow.now)
        return {"abgerufen_cent": row.abgerufen_cent + r.betrag_cent}, f"Mittelabruf {abruf_id}", r.betrag_cent

    def respond(proto: Antrag) -> pb.RequestMittelabrufResponse:
        abruf = next(m for m in proto.mittelabrufe if m.id == abruf_id)
        return pb.RequestMittelabrufResponse(antrag=proto, mittelabruf=abruf)

    return step(
        units, principal, r, "RequestMittelabruf", Schritt.SCHRITT_MITTELABRUF_EINGEGANGEN, change,
        pb.RequestMittelabrufResponse, respond,
    )


def submit_verwendungsnachweis(
    units: Units[AntragRepository], principal: Principal, r: pb.SubmitVerwendungsnachweisRequest
) -> pb.SubmitVerwendungsnachweisResponse:
    guards.kommune(principal)
    v = domain.step_violations(r)
    v.betrag(r.verwendet_cent, "verwendet_cent", zero_allowed=True)
    v.text(r.bericht, "bericht", required=True)
    v.raise_if_any()

    def change(uow: Uow, row):
        error = domain.verwendungsnachweis_error(
            uow.now.date(), row.ende, uow.repo.has_open_mittelabruf(row.id), r.verwendet_cent, row.ausgezahlt_cent
        )
        if error is not None:
            raise FailedPrecondition(error)
        a = domain.abrechnen(row.bewilligt_cent, row.ausgezahlt_cent, r.verwendet_cent)
        values = {
            "verwendet_cent": r.verwendet_cent,
            "rueckforderung_cent": a.rueckforderung_cent,
            "freigegeben_cent": a.freigegeben_cent,
        }
        why = (
            f"{r.bericht}\nVerwendet {euro(r.verwendet_cent)}; Rückforderung {euro(a.rueckforderung_cent)}; "
            f"an den Planungsrahmen freigegeben {euro(a.freigegeben_cent)}."
        )
        return values, why, r.verwendet_cent

    return step(
        units, principal, r, "SubmitVerwendungsnachweis", Schritt.SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN, change,
        pb.SubmitVerwendungsnachweisResponse,
    )


def record_uebertragung(
    units: Units[AntragRepository], principal: Principal, r: pb.RecordUebertragungRequest
) -> pb.RecordUebertragungResponse:
    guards.kommune(principal)
    beginn, ende = domain.validate_uebertragung(
        r.request_id, r.gemeinde_ags, r.programm, r.beginn, r.ende, gebiete(), programme()
    )
    guards.own_kommune(principal, r.gemeinde_ags, f"Eine Übertragung erklärt die Gemeinde selbst ({r.gemeinde_ags}).")

    def work(uow: Uow) -> pb.RecordUebertragungResponse:
        programm = Programm.Name(r.programm)
        uow.repo.lock_kommunen([r.gemeinde_ags], programm)
        vorhanden = uow.repo.uebertragung_overlapping(r.gemeinde_ags, programm, beginn, ende)
        if vorhanden is not None:
            raise FailedPrecondition(
                f"Für {vorhanden.beginn.isoformat()} bis {vorhanden.ende.isoformat()} ist die Aufgabe "
                "bereits übertragen; Zeiträume einer Übertragung überschneiden sich nicht."
            )
        row = {
            "id": str(uuid.uuid4()),
            "gemeinde_ags": r.gemeinde_ags,
            "kreis_ags": gebiete().gemeinden[r.gemeinde_ags].kreis_ags,
            "programm": programm,
            "beginn": beginn,
            "ende": ende,
            "erfasst_von": principal.label,
            "erfasst_at": uow.now,
        }
        uow.repo.add_uebertragung(row)
        return pb.RecordUebertragungResponse(uebertragung=mapping.uebertragung_proto(row))

    return units.run_once(principal.label, "RecordUebertragung", r, work, response_bytes(pb.RecordUebertragungResponse))


def _check_participation(
    repo: AntragRepository, r: pb.SubmitAntragRequest, programm: str, beginn: date, ende: date
) -> list[str]:
    """Kooperation and Übertragung rules; returns the Gemeinden a Landkreis applies for."""
    members = [m.ags for m in r.mitglieder]
    repo.lock_kommunen([r.antragsteller_ags, *members], programm)
    for ags in [r.antragsteller_ags, *members]:
        roles = domain.ausschliessende_rollen(antragsteller=ags == r.antragsteller_ags)
        if (rolle := repo.role_in_active_antrag(ags, roles, programm, beginn, ende)) is not None:
            raise FailedPrecondition(domain.kooperation_error(ags, rolle))
    if programm != IM:
        return []
    for ags in [r.antragsteller_ags, *members]:
        if ags in gebiete().gemeinden and repo.uebertragung_overlapping(ags, programm, beginn, ende) is not None:
            raise FailedPrecondition(
                f"{ags} hat das Integrationsmanagement für diesen Zeitraum dem Landkreis übertragen; "
                "den Antrag stellt der Landkreis."
            )
    kreis = gebiete().kreise.get(r.antragsteller_ags)
    if kreis is None or kreis.typ != "Landkreis":
        return []
    uebertragende = repo.uebertragende(kreis.ags, programm, beginn, ende)
    if not uebertragende:
        raise FailedPrecondition(
            f"Der Landkreis {kreis.name} beantragt Integrationsmanagement für die Gemeinden, die es ihm "
            "übertragen haben; für diesen Zeitraum liegt keine Übertragung vor."
        )
    return uebertragende
