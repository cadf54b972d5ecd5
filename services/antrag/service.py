"""The antrag service layer: one database transaction per use case, events via the outbox.

Every mutating use case follows the same path: check the caller's role, validate the request,
replay it if its request_id was seen, lock the Antrag row, check ownership and the status
machine, then write the change, its history entry, its event and the idempotency key together.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import uuid
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import Connection, Engine, and_, exists, or_, select, text, update

from pakt.allocation.v1.events_pb2 import BescheidErlassen
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus, MittelabrufStatus, Schritt
from pakt.antrag.v1.events_pb2 import AntragBeschieden, AntragEingereicht, AntragFortgeschrieben
from pakt.common.v1.envelope_pb2 import Envelope
from pakt.common.v1.programm_pb2 import Programm
from pakt.geld import euro
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound, PermissionDenied
from pakt.platform.idempotency import Idempotency
from pakt.platform.inbox import first_delivery
from pakt.platform.outbox import enqueue, republish
from pakt.platform.reconciliation import decode_page_token, encode_page_token, page_size, queue_again, republish_selection
from pakt.referenzdaten import gebiete, programme
from services.antrag import domain
from services.antrag.domain import Violations
from services.antrag.tables import (
    antrag,
    beteiligung,
    historie,
    idempotenzschluessel,
    inbox,
    mittelabruf,
    outbox,
    stelle,
    uebertragung,
)

log = logging.getLogger(__name__)

PRODUCER = "antrag"
ALLOCATION = "allocation"
IM = Programm.Name(Programm.PROGRAMM_INTEGRATIONSMANAGEMENT)
ANTRAGSTELLER, MITGLIED, UEBERTRAGEND = "ANTRAGSTELLER", "MITGLIED", "UEBERTRAGEND"
BEENDET = [AntragStatus.Name(s) for s in domain.BEENDET]
DEFAULT_PAGE_SIZE = 50
MAX_FRIST = timedelta(days=365)
MAX_PAGE_TOKEN = 300  # what _encode_page_token produces is about 170 characters
ENTSCHEIDUNGSREIF = AntragStatus.Name(AntragStatus.ANTRAG_STATUS_ENTSCHEIDUNGSREIF)
# An Antrag whose Prüfung was completed longer ago than this and that has no Bescheid yet has its
# events published again (republish_undecided): allocation decides within seconds normally.
BESCHEID_ERWARTET_BINNEN = timedelta(minutes=5)

KEIN_ZUGRIFF = "Kein Zugriff auf diesen Antrag."
NUR_ANTRAGSTELLER = "Diesen Schritt geht nur die antragstellende Kommune."
NUR_BEWILLIGUNGSSTELLE = "Diesen Schritt geht nur die Bewilligungsstelle (RP Stuttgart)."


class AntragService:
    def __init__(self, engine: Engine, on_events: Callable[[], None] = lambda: None) -> None:
        self.engine = engine
        # Called after a commit that wrote events, so the relay publishes without waiting to poll.
        self.on_events = on_events
        self._keys = Idempotency(engine, idempotenzschluessel, "antwort", clock=lambda: datetime.now(UTC))

    # -- applicant steps ---------------------------------------------------------------------

    def submit(self, principal: Principal, r: pb.SubmitAntragRequest) -> pb.SubmitAntragResponse:
        _require_kommune(principal)
        domain.validate_submission(r, gebiete(), programme())
        if r.antragsteller_ags != principal.ags:
            raise PermissionDenied(f"Eine Kommune stellt Anträge nur in eigenem Namen ({principal.ags}).")

        def action(conn: Connection, now: datetime) -> pb.SubmitAntragResponse:
            programm = Programm.Name(r.programm)
            beginn, ende = date.fromisoformat(r.beginn), date.fromisoformat(r.ende)
            uebertragende = self._check_participation(conn, r, programm, beginn, ende)
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
                "eingegangen_at": now,
                "geaendert_at": now,
                "version": 1,
            }
            conn.execute(antrag.insert().values(**row))
            if r.stellen:
                conn.execute(
                    stelle.insert(),
                    [
                        {
                            "antrag_id": row["id"],
                            "position": i,
                            "vzae_hundertstel": s.vzae_hundertstel,
                            "qualifikation": pb.Qualifikation.Name(s.qualifikation),
                        }
                        for i, s in enumerate(r.stellen)
                    ],
                )
            lead_share = 100 - sum(m.anteil_prozent for m in r.mitglieder)
            participants = [(r.antragsteller_ags, ANTRAGSTELLER, lead_share)]
            participants += [(m.ags, MITGLIED, m.anteil_prozent) for m in r.mitglieder]
            participants += [(ags, UEBERTRAGEND, 0) for ags in uebertragende]
            conn.execute(
                beteiligung.insert(),
                [
                    {"antrag_id": row["id"], "ags": ags, "rolle": rolle, "anteil_prozent": anteil, "position": i}
                    for i, (ags, rolle, anteil) in enumerate(participants)
                ],
            )
            self._record(conn, principal, row["id"], 1, Schritt.SCHRITT_EINGEREICHT, "", row["status"], r.begruendung, r.betrag_cent, now)
            proto = self._load(conn, [row["id"]])[0]
            enqueue(conn, outbox, events.ANTRAG_EVENTS, _event(AntragEingereicht(antrag=public(proto)), proto))
            return pb.SubmitAntragResponse(antrag=proto)

        return self._idempotent(principal, "SubmitAntrag", r, pb.SubmitAntragResponse, action)

    def withdraw(self, principal: Principal, r: pb.WithdrawAntragRequest) -> pb.WithdrawAntragResponse:
        _require_kommune(principal)
        v = Violations()
        v.request_id(r.request_id)
        v.antrag_id(r.antrag_id)
        v.text(r.begruendung, "begruendung", required=True)
        v.raise_if_any()

        def change(conn, row, now):
            return {}, r.begruendung, 0

        return self._step(principal, r, "WithdrawAntrag", Schritt.SCHRITT_ZURUECKGEZOGEN, change, pb.WithdrawAntragResponse)

    def answer_nachforderung(
        self, principal: Principal, r: pb.AnswerNachforderungRequest
    ) -> pb.AnswerNachforderungResponse:
        _require_kommune(principal)
        v = Violations()
        v.request_id(r.request_id)
        v.antrag_id(r.antrag_id)
        v.text(r.antwort, "antwort", required=True)
        v.raise_if_any()

        def change(conn, row, now):
            return {"nachforderung_antwort": r.antwort}, r.antwort, 0

        return self._step(
            principal, r, "AnswerNachforderung", Schritt.SCHRITT_NACHFORDERUNG_BEANTWORTET, change,
            pb.AnswerNachforderungResponse,
        )

    def request_mittelabruf(
        self, principal: Principal, r: pb.RequestMittelabrufRequest
    ) -> pb.RequestMittelabrufResponse:
        _require_kommune(principal)
        v = Violations()
        v.request_id(r.request_id)
        v.antrag_id(r.antrag_id)
        v.betrag(r.betrag_cent, "betrag_cent")
        v.raise_if_any()
        abruf_id = str(uuid.uuid4())

        def change(conn, row, now):
            frei = row.bewilligt_cent - row.abgerufen_cent
            if r.betrag_cent > frei:
                raise FailedPrecondition(
                    f"Der Mittelabruf über {euro(r.betrag_cent)} übersteigt den noch abrufbaren Betrag von "
                    f"{euro(frei)} (bewilligt {euro(row.bewilligt_cent)}, abgerufen {euro(row.abgerufen_cent)})."
                )
            conn.execute(
                mittelabruf.insert().values(
                    id=abruf_id,
                    antrag_id=row.id,
                    betrag_cent=r.betrag_cent,
                    status=MittelabrufStatus.Name(MittelabrufStatus.MITTELABRUF_STATUS_ANGEFORDERT),
                    angefordert_at=now,
                    ausgezahlt_at=None,
                )
            )
            return {"abgerufen_cent": row.abgerufen_cent + r.betrag_cent}, f"Mittelabruf {abruf_id}", r.betrag_cent

        def respond(proto: Antrag) -> pb.RequestMittelabrufResponse:
            abruf = next(m for m in proto.mittelabrufe if m.id == abruf_id)
            return pb.RequestMittelabrufResponse(antrag=proto, mittelabruf=abruf)

        return self._step(
            principal, r, "RequestMittelabruf", Schritt.SCHRITT_MITTELABRUF_EINGEGANGEN, change,
            pb.RequestMittelabrufResponse, respond,
        )

    def submit_verwendungsnachweis(
        self, principal: Principal, r: pb.SubmitVerwendungsnachweisRequest
    ) -> pb.SubmitVerwendungsnachweisResponse:
        _require_kommune(principal)
        v = Violations()
        v.request_id(r.request_id)
        v.antrag_id(r.antrag_id)
        if r.verwendet_cent < 0:
            v.add("verwendet_cent", "darf nicht negativ sein")
        v.text(r.bericht, "bericht", required=True)
        v.raise_if_any()

        def change(conn, row, now):
            if now.date() <= row.ende:
                raise FailedPrecondition(
                    f"Der Verwendungsnachweis folgt auf das Ende des Förderzeitraums am {row.ende.isoformat()}."
                )
            offen = conn.execute(
                select(mittelabruf.c.id).where(
                    mittelabruf.c.antrag_id == row.id,
                    mittelabruf.c.status == MittelabrufStatus.Name(MittelabrufStatus.MITTELABRUF_STATUS_ANGEFORDERT),
                )
            ).first()
            if offen is not None:
                raise FailedPrecondition("Ein Mittelabruf ist noch nicht ausgezahlt; der Nachweis folgt danach.")
            if r.verwendet_cent > row.ausgezahlt_cent:
                raise FailedPrecondition(
                    f"Verwendet {euro(r.verwendet_cent)} ist mehr als ausgezahlt ({euro(row.ausgezahlt_cent)}): "
                    "noch nicht abgerufene Mittel bitte vor dem Nachweis abrufen."
                )
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

        return self._step(
            principal, r, "SubmitVerwendungsnachweis", Schritt.SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN, change,
            pb.SubmitVerwendungsnachweisResponse,
        )

    def record_uebertragung(
        self, principal: Principal, r: pb.RecordUebertragungRequest
    ) -> pb.RecordUebertragungResponse:
        _require_kommune(principal)
        beginn, ende = domain.validate_uebertragung(
            r.request_id, r.gemeinde_ags, r.programm, r.beginn, r.ende, gebiete(), programme()
        )
        if r.gemeinde_ags != principal.ags:
            raise PermissionDenied(f"Eine Übertragung erklärt die Gemeinde selbst ({r.gemeinde_ags}).")

        def action(conn: Connection, now: datetime) -> pb.RecordUebertragungResponse:
            programm = Programm.Name(r.programm)
            _lock_kommunen(conn, [r.gemeinde_ags], programm)
            vorhanden = conn.execute(
                select(uebertragung.c.beginn, uebertragung.c.ende).where(
                    uebertragung.c.gemeinde_ags == r.gemeinde_ags,
                    uebertragung.c.programm == programm,
                    uebertragung.c.beginn <= ende,
                    uebertragung.c.ende >= beginn,
                )
            ).first()
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
                "erfasst_at": now,
            }
            conn.execute(uebertragung.insert().values(**row))
            return pb.RecordUebertragungResponse(uebertragung=_uebertragung_proto(row))

        return self._idempotent(principal, "RecordUebertragung", r, pb.RecordUebertragungResponse, action)

    # -- steps of the Bewilligungsstelle -----------------------------------------------------------

    def begin_pruefung(self, principal: Principal, r: pb.BeginPruefungRequest) -> pb.BeginPruefungResponse:
        _require_operator(principal)
        _validate_vermerk(r)

        def change(conn, row, now):
            return {}, r.vermerk, 0

        return self._step(principal, r, "BeginPruefung", Schritt.SCHRITT_PRUEFUNG_BEGONNEN, change, pb.BeginPruefungResponse)

    def request_nachforderung(
        self, principal: Principal, r: pb.RequestNachforderungRequest
    ) -> pb.RequestNachforderungResponse:
        _require_operator(principal)
        v = Violations()
        v.request_id(r.request_id)
        v.antrag_id(r.antrag_id)
        v.text(r.text, "text", required=True)
        frist = v.datum(r.frist, "frist")
        today = datetime.now(UTC).date()
        if frist is not None and not today <= frist <= today + MAX_FRIST:
            v.add("frist", f"muss zwischen heute ({today.isoformat()}) und einem Jahr danach liegen")
        v.raise_if_any()

        def change(conn, row, now):
            values = {"nachforderung_text": r.text, "nachforderung_frist": frist, "nachforderung_antwort": ""}
            return values, f"{r.text}\nFrist: {r.frist}", 0

        return self._step(
            principal, r, "RequestNachforderung", Schritt.SCHRITT_NACHFORDERUNG_GESTELLT, change,
            pb.RequestNachforderungResponse,
        )

    def complete_pruefung(self, principal: Principal, r: pb.CompletePruefungRequest) -> pb.CompletePruefungResponse:
        _require_operator(principal)
        _validate_vermerk(r)

        def change(conn, row, now):
            return {}, r.vermerk, row.betrag_cent

        return self._step(
            principal, r, "CompletePruefung", Schritt.SCHRITT_PRUEFUNG_ABGESCHLOSSEN, change, pb.CompletePruefungResponse
        )

    def confirm_auszahlung(self, principal: Principal, r: pb.ConfirmAuszahlungRequest) -> pb.ConfirmAuszahlungResponse:
        _require_operator(principal)
        v = Violations()
        v.request_id(r.request_id)
        v.antrag_id(r.antrag_id)
        v.uuid(r.mittelabruf_id, "mittelabruf_id")
        v.raise_if_any()

        def change(conn, row, now):
            abruf = conn.execute(
                select(mittelabruf).where(mittelabruf.c.id == r.mittelabruf_id, mittelabruf.c.antrag_id == row.id)
            ).one_or_none()
            if abruf is None:
                raise NotFound(f"Mittelabruf {r.mittelabruf_id} gehört nicht zu Antrag {row.id}.")
            if abruf.status != MittelabrufStatus.Name(MittelabrufStatus.MITTELABRUF_STATUS_ANGEFORDERT):
                raise FailedPrecondition(f"Mittelabruf {abruf.id} ist bereits ausgezahlt.")
            conn.execute(
                update(mittelabruf)
                .where(mittelabruf.c.id == abruf.id)
                .values(status=MittelabrufStatus.Name(MittelabrufStatus.MITTELABRUF_STATUS_AUSGEZAHLT), ausgezahlt_at=now)
            )
            return {"ausgezahlt_cent": row.ausgezahlt_cent + abruf.betrag_cent}, f"Mittelabruf {abruf.id}", abruf.betrag_cent

        return self._step(
            principal, r, "ConfirmAuszahlung", Schritt.SCHRITT_AUSZAHLUNG_ANGEWIESEN, change, pb.ConfirmAuszahlungResponse
        )

    # -- the Bescheid from allocation ---------------------------------------------------------

    def apply_bescheid(self, envelope: Envelope, bescheid: BescheidErlassen) -> str:
        """Apply allocation's Entscheidung to the Antrag; returns the outcome for metrics."""
        with self.engine.begin() as conn:
            if not first_delivery(conn, inbox, envelope.event_id):
                return "duplicate"
            row = conn.execute(select(antrag).where(antrag.c.id == bescheid.antrag_id).with_for_update()).one_or_none()
            if row is not None and row.bescheid_id == bescheid.bescheid_id:
                # The same Bescheid again, e.g. published again by allocation after a lost
                # message or by `pakt abgleich`: it is applied already.
                return "duplicate"
            if row is None or domain.transition_error(Schritt.SCHRITT_BESCHIEDEN, AntragStatus.Value(row.status)):
                # Cannot happen while withdrawal ends with the Prüfung; if it does, money was bound
                # for an Antrag that is not waiting for it, and someone must look.
                log.error("Bescheid for an Antrag not awaiting one", extra={"antrag_id": bescheid.antrag_id})
                return "ignored"
            now = datetime.now(UTC)
            status = AntragStatus.Name(domain.STATUS_NACH_BESCHEID[bescheid.entscheidung])
            values = {
                "status": status,
                "bewilligt_cent": bescheid.bewilligt_cent,
                "bescheid_id": bescheid.bescheid_id,
                "bescheid_begruendung": bescheid.begruendung,
                "geaendert_at": now,
                "version": row.version + 1,
            }
            conn.execute(update(antrag).where(antrag.c.id == row.id).values(**values))
            self._record(
                conn, None, row.id, row.version + 1, Schritt.SCHRITT_BESCHIEDEN, row.status, status,
                f"Bescheid {bescheid.bescheid_id}: {bescheid.begruendung}", bescheid.bewilligt_cent, now,
            )
            proto = self._load(conn, [row.id])[0]
            enqueue(
                conn,
                outbox,
                events.ANTRAG_EVENTS,
                _event(AntragBeschieden(antrag=public(proto), bescheid_id=bescheid.bescheid_id), proto),
            )
        self.on_events()
        return "applied"

    # -- queries --------------------------------------------------------------------------------

    def get(self, principal: Principal, antrag_id: str) -> Antrag:
        v = Violations()
        v.antrag_id(antrag_id, "id")
        v.raise_if_any()
        with self.engine.connect() as conn:
            self._authorize_read(conn, principal, antrag_id)
            return self._load(conn, [antrag_id])[0]

    def history(self, principal: Principal, antrag_id: str) -> list[pb.HistorienEintrag]:
        v = Violations()
        v.antrag_id(antrag_id)
        v.raise_if_any()
        with self.engine.connect() as conn:
            self._authorize_read(conn, principal, antrag_id)
            rows = conn.execute(select(historie).where(historie.c.antrag_id == antrag_id).order_by(historie.c.version)).all()
        return [
            pb.HistorienEintrag(
                version=h.version,
                zeitpunkt=_timestamp(h.zeitpunkt),
                akteur=h.akteur,
                schritt=Schritt.Value(h.schritt),
                status_vorher=AntragStatus.Value(h.status_vorher) if h.status_vorher else 0,
                status_nachher=AntragStatus.Value(h.status_nachher),
                begruendung=h.begruendung,
                betrag_cent=h.betrag_cent,
            )
            for h in rows
        ]

    def list(self, principal: Principal, r: pb.ListAntraegeRequest) -> pb.ListAntraegeResponse:
        domain.validate_list(r)
        filters = _filter_fingerprint(r)
        after = _decode_page_token(r.page_token, filters)
        query = select(antrag.c.id)
        if not principal.is_operator:
            if r.kommune_ags and r.kommune_ags != principal.ags and not self._reads_for(principal, r.kommune_ags):
                raise PermissionDenied(f"Keine Berechtigung für Anträge von {r.kommune_ags}.")
            query = query.where(_visible_to(principal))
        if r.kommune_ags:
            query = query.where(antrag.c.antragsteller_ags == r.kommune_ags)
        if r.kreis_ags:
            query = query.where(antrag.c.kreis_ags == r.kreis_ags)
        if r.programm:
            query = query.where(antrag.c.programm == Programm.Name(r.programm))
        if r.foerderjahr:
            query = query.where(antrag.c.foerderjahr == r.foerderjahr)
        if r.status:
            query = query.where(antrag.c.status == AntragStatus.Name(r.status))
        if after is not None:
            at, last_id = after
            query = query.where(
                or_(antrag.c.eingegangen_at > at, and_(antrag.c.eingegangen_at == at, antrag.c.id > last_id))
            )
        size = r.page_size or DEFAULT_PAGE_SIZE
        query = query.order_by(antrag.c.eingegangen_at, antrag.c.id).limit(size + 1)
        with self.engine.connect() as conn:
            ids = list(conn.execute(query).scalars())
            page = self._load(conn, ids[:size])
        token = ""
        if len(ids) > size:
            last = page[-1]
            token = _encode_page_token(last.eingegangen_at.ToDatetime(tzinfo=UTC), last.id, filters)
        return pb.ListAntraegeResponse(antraege=page, next_page_token=token)

    def list_uebertragungen(self, principal: Principal, r: pb.ListUebertragungenRequest) -> list[pb.Uebertragung]:
        v = Violations()
        if r.gemeinde_ags and r.gemeinde_ags not in gebiete().gemeinden:
            v.add("gemeinde_ags", f"„{r.gemeinde_ags[:30]}“ ist keine Gemeinde in Baden-Württemberg")
        if r.kreis_ags and r.kreis_ags not in gebiete().kreise:
            v.add("kreis_ags", f"„{r.kreis_ags[:30]}“ ist kein Kreis in Baden-Württemberg")
        v.raise_if_any()
        query = select(uebertragung)
        if not principal.is_operator:
            for field, value in (("gemeinde_ags", r.gemeinde_ags), ("kreis_ags", r.kreis_ags)):
                if value and value != principal.ags:
                    raise PermissionDenied(f"Keine Berechtigung für Übertragungen von {value} ({field}).")
            query = query.where(
                or_(uebertragung.c.gemeinde_ags == principal.ags, uebertragung.c.kreis_ags == principal.ags)
            )
        if r.gemeinde_ags:
            query = query.where(uebertragung.c.gemeinde_ags == r.gemeinde_ags)
        if r.kreis_ags:
            query = query.where(uebertragung.c.kreis_ags == r.kreis_ags)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(uebertragung.c.gemeinde_ags, uebertragung.c.beginn)).all()
        return [_uebertragung_proto(row._asdict()) for row in rows]

    # -- reconciliation and self-repair ------------------------------------------------------

    def list_geldstaende(self, principal: Principal, r: pb.ListGeldstaendeRequest) -> pb.ListGeldstaendeResponse:
        """Every Antrag's money state, by id, in pages (operators: `pakt abgleich`)."""
        _require_operator(principal)
        size = page_size(r.page_size)
        after = decode_page_token(r.page_token)
        query = select(antrag).order_by(antrag.c.id).limit(size + 1)
        if after is not None:
            query = query.where(antrag.c.id > after)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        page = [
            pb.Geldstand(
                antrag_id=row.id, antragsteller_ags=row.antragsteller_ags, programm=Programm.Value(row.programm),
                foerderjahr=row.foerderjahr, status=AntragStatus.Value(row.status), version=row.version,
                bescheid_id=row.bescheid_id or "", bewilligt_cent=row.bewilligt_cent,
                ausgezahlt_cent=row.ausgezahlt_cent, freigegeben_cent=row.freigegeben_cent,
                rueckforderung_cent=row.rueckforderung_cent, geaendert_at=_timestamp(row.geaendert_at),
            )
            for row in rows[:size]
        ]
        token = encode_page_token(page[-1].antrag_id) if len(rows) > size else ""
        return pb.ListGeldstaendeResponse(geldstaende=page, next_page_token=token)

    def republish(self, principal: Principal, r: pb.RepublishRequest) -> pb.RepublishResponse:
        """Queue the published events of the given Anträge, or of all, to be published again."""
        _require_operator(principal)
        ids = republish_selection(r.antrag_ids, r.alle, domain.UUID)
        queued = queue_again(self.engine, outbox, ids, principal.label, self.on_events)
        return pb.RepublishResponse(events_queued=queued)

    def republish_undecided(self, older_than: timedelta = BESCHEID_ERWARTET_BINNEN, limit: int = 500) -> int:
        """Self-repair, one round: the Anträge whose Prüfung was completed more than older_than ago
        and that still have no Bescheid get their events published again (oldest first, at most
        limit), so that allocation decides them, or sends the Bescheid it made again when it has
        one. Returns the number of events queued."""
        cutoff = datetime.now(UTC) - older_than
        with self.engine.begin() as conn:
            ids = list(
                conn.execute(
                    select(antrag.c.id)
                    .where(
                        antrag.c.status == ENTSCHEIDUNGSREIF,
                        antrag.c.bescheid_id.is_(None),
                        antrag.c.geaendert_at < cutoff,
                    )
                    .order_by(antrag.c.geaendert_at, antrag.c.id)
                    .limit(limit)
                ).scalars()
            )
            queued = republish(conn, outbox, ids) if ids else 0
        if queued:
            # (Nothing is queued while their events still wait in the outbox, e.g. for the broker.)
            log.warning(
                "Anträge still without a Bescheid: their events are published again",
                extra={"antraege": len(ids), "events": queued, "older_than_s": older_than.total_seconds()},
            )
            self.on_events()
        return queued

    # -- mechanics ---------------------------------------------------------------------------

    def _step(self, principal: Principal, r, method: str, schritt: int, change, response_type, respond=None) -> Message:
        """A step on an existing Antrag: lock it, check who and when, change it, record it.

        change(conn, row, now) returns (column values, why, amount) for the history, or raises.
        """

        def action(conn: Connection, now: datetime) -> Message:
            row = conn.execute(select(antrag).where(antrag.c.id == r.antrag_id).with_for_update()).one_or_none()
            if row is None:
                if principal.is_operator:
                    raise NotFound(f"Antrag {r.antrag_id} nicht gefunden.")
                raise PermissionDenied(KEIN_ZUGRIFF)
            if not principal.is_operator and row.antragsteller_ags != principal.ags:
                raise PermissionDenied(NUR_ANTRAGSTELLER if self._can_read(conn, principal, row) else KEIN_ZUGRIFF)
            status = AntragStatus.Value(row.status)
            if (error := domain.transition_error(schritt, status)) is not None:
                raise FailedPrecondition(error)
            values, why, betrag = change(conn, row, now)
            nachher = AntragStatus.Name(domain.STATUS_NACH.get(schritt, status))
            values = {**values, "status": nachher, "geaendert_at": now, "version": row.version + 1}
            changed = conn.execute(
                update(antrag).where(antrag.c.id == row.id, antrag.c.version == row.version).values(**values)
            )
            if changed.rowcount != 1:  # the row lock makes this impossible; never write over a change
                raise RuntimeError(f"Antrag {row.id} changed concurrently")
            self._record(conn, principal, row.id, row.version + 1, schritt, row.status, nachher, why, betrag, now)
            proto = self._load(conn, [row.id])[0]
            event = AntragFortgeschrieben(antrag=public(proto), schritt=schritt)
            enqueue(conn, outbox, events.ANTRAG_EVENTS, _event(event, proto))
            return respond(proto) if respond is not None else response_type(antrag=proto)

        return self._idempotent(principal, method, r, response_type, action)

    def _idempotent(self, principal: Principal, method: str, request, response_type, action) -> Message:
        """Run action once per (caller, request_id); repeats get the first response."""
        response, fresh = self._keys.run(
            principal.label, method, request, action, lambda m: m.SerializeToString(), response_type.FromString
        )
        if fresh:
            self.on_events()
        return response

    def _record(
        self, conn: Connection, principal: Principal | None, antrag_id: str, version: int, schritt: int,
        vorher: str, nachher: str, why: str, betrag: int, now: datetime,
    ) -> None:
        conn.execute(
            historie.insert().values(
                antrag_id=antrag_id,
                version=version,
                zeitpunkt=now,
                akteur=principal.label if principal is not None else ALLOCATION,
                schritt=Schritt.Name(schritt),
                status_vorher=vorher,
                status_nachher=nachher,
                begruendung=why,
                betrag_cent=betrag,
            )
        )

    def _check_participation(
        self, conn: Connection, r: pb.SubmitAntragRequest, programm: str, beginn: date, ende: date
    ) -> list[str]:
        """Kooperation and Übertragung rules; returns the Gemeinden a Landkreis applies for."""
        members = [m.ags for m in r.mitglieder]
        _lock_kommunen(conn, [r.antragsteller_ags, *members], programm)
        overlapping = and_(antrag.c.programm == programm, antrag.c.beginn <= ende, antrag.c.ende >= beginn)
        active = antrag.c.status.not_in(BEENDET)
        for ags in [r.antragsteller_ags, *members]:
            new_role = ANTRAGSTELLER if ags == r.antragsteller_ags else MITGLIED
            roles = [ANTRAGSTELLER, MITGLIED] if new_role == MITGLIED else [MITGLIED]
            clash = conn.execute(
                select(beteiligung.c.rolle)
                .join(antrag, antrag.c.id == beteiligung.c.antrag_id)
                .where(beteiligung.c.ags == ags, beteiligung.c.rolle.in_(roles), overlapping, active)
            ).first()
            if clash is not None:
                raise FailedPrecondition(
                    f"{ags} ist für dieses Programm und einen überschneidenden Zeitraum bereits "
                    + ("Mitglied eines gemeinsamen Antrags." if clash.rolle == MITGLIED else "an einem Antrag beteiligt.")
                    + " Eine Kommune ist entweder Mitglied einer Kooperation oder beantragt selbst."
                )
        if programm != IM:
            return []
        delegated = and_(
            uebertragung.c.programm == programm, uebertragung.c.beginn <= ende, uebertragung.c.ende >= beginn
        )
        for ags in [r.antragsteller_ags, *members]:
            if ags in gebiete().gemeinden and conn.execute(
                select(uebertragung.c.id).where(uebertragung.c.gemeinde_ags == ags, delegated)
            ).first():
                raise FailedPrecondition(
                    f"{ags} hat das Integrationsmanagement für diesen Zeitraum dem Landkreis übertragen; "
                    "den Antrag stellt der Landkreis."
                )
        kreis = gebiete().kreise.get(r.antragsteller_ags)
        if kreis is None or kreis.typ != "Landkreis":
            return []
        uebertragende = list(
            conn.execute(
                select(uebertragung.c.gemeinde_ags)
                .where(uebertragung.c.kreis_ags == kreis.ags, delegated)
                .distinct()
                .order_by(uebertragung.c.gemeinde_ags)
            ).scalars()
        )
        if not uebertragende:
            raise FailedPrecondition(
                f"Der Landkreis {kreis.name} beantragt Integrationsmanagement für die Gemeinden, die es ihm "
                "übertragen haben; für diesen Zeitraum liegt keine Übertragung vor."
            )
        return uebertragende

    def _authorize_read(self, conn: Connection, principal: Principal, antrag_id: str) -> None:
        row = conn.execute(select(antrag).where(antrag.c.id == antrag_id)).one_or_none()
        if principal.is_operator:
            if row is None:
                raise NotFound(f"Antrag {antrag_id} nicht gefunden.")
            return
        if row is None or not self._can_read(conn, principal, row):
            raise PermissionDenied(KEIN_ZUGRIFF)

    def _can_read(self, conn: Connection, principal: Principal, row) -> bool:
        return conn.execute(select(exists().where(antrag.c.id == row.id, _visible_to(principal)))).scalar_one()

    def _reads_for(self, principal: Principal, kommune_ags: str) -> bool:
        """A Landkreis reads the Anträge of Gemeinden that transferred a programme to it."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(uebertragung.c.id).where(
                    uebertragung.c.gemeinde_ags == kommune_ags, uebertragung.c.kreis_ags == principal.ags
                )
            ).first() is not None

    def _load(self, conn: Connection, ids: list[str]) -> list[Antrag]:
        """Full Anträge with their positions, participants and Mittelabrufe, in the order of ids."""
        if not ids:
            return []
        rows = {row.id: row for row in conn.execute(select(antrag).where(antrag.c.id.in_(ids)))}
        stellen = _grouped(conn.execute(select(stelle).where(stelle.c.antrag_id.in_(ids)).order_by(stelle.c.position)))
        beteiligte = _grouped(
            conn.execute(select(beteiligung).where(beteiligung.c.antrag_id.in_(ids)).order_by(beteiligung.c.position))
        )
        abrufe = _grouped(
            conn.execute(
                select(mittelabruf).where(mittelabruf.c.antrag_id.in_(ids)).order_by(mittelabruf.c.angefordert_at, mittelabruf.c.id)
            )
        )
        return [to_proto(rows[i], stellen.get(i, []), beteiligte.get(i, []), abrufe.get(i, [])) for i in ids]


# -- authorisation ----------------------------------------------------------------------------


def _require_kommune(principal: Principal) -> None:
    if principal.is_operator:
        raise PermissionDenied(NUR_ANTRAGSTELLER)


def _require_operator(principal: Principal) -> None:
    if not principal.is_operator:
        raise PermissionDenied(NUR_BEWILLIGUNGSSTELLE)


def _visible_to(principal: Principal):
    """SQL condition: the Anträge a Kommune may read."""
    ags = principal.ags
    involved = select(beteiligung.c.antrag_id).where(beteiligung.c.ags == ags)
    condition = or_(antrag.c.antragsteller_ags == ags, antrag.c.id.in_(involved))
    kreis = gebiete().kreise.get(ags)
    if kreis is not None and kreis.typ == "Landkreis":
        transferred = exists().where(
            uebertragung.c.gemeinde_ags == antrag.c.antragsteller_ags,
            uebertragung.c.kreis_ags == ags,
            uebertragung.c.programm == antrag.c.programm,
        )
        condition = or_(condition, transferred)
    return condition


def _lock_kommunen(conn: Connection, ags_list: Iterable[str], programm: str) -> None:
    """Serialise the rule checks per Kommune and programme (SQLite: BEGIN IMMEDIATE already does)."""
    if conn.dialect.name != "postgresql":
        return
    for key in sorted({zlib.crc32(f"antrag/{ags}/{programm}".encode()) for ags in ags_list}):
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _validate_vermerk(r) -> None:
    v = Violations()
    v.request_id(r.request_id)
    v.antrag_id(r.antrag_id)
    v.text(r.vermerk, "vermerk", required=False)
    v.raise_if_any()


# -- conversions ------------------------------------------------------------------------------


def public(proto: Antrag) -> Antrag:
    """The Antrag as events carry it: without the contact person and free texts."""
    event = Antrag()
    event.CopyFrom(proto)
    event.ClearField("ansprechperson")
    event.begruendung = ""
    event.nachforderung.text = ""
    event.nachforderung.antwort = ""
    return event


def _filter_fingerprint(r: pb.ListAntraegeRequest) -> str:
    content = pb.ListAntraegeRequest()
    content.CopyFrom(r)
    content.page_size = 0
    content.page_token = ""
    return hashlib.sha256(content.SerializeToString(deterministic=True)).hexdigest()[:16]


def _encode_page_token(at: datetime, last_id: str, filters: str) -> str:
    raw = json.dumps({"at": at.isoformat(), "id": last_id, "f": filters}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_page_token(token: str, filters: str) -> tuple[datetime, str] | None:
    if not token:
        return None
    invalid = InvalidArgument([FieldViolation("page_token", "ungültiges Seitentoken")])
    if len(token) > MAX_PAGE_TOKEN:
        raise invalid
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        at, last_id, f = datetime.fromisoformat(data["at"]), str(data["id"]), data["f"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise invalid from None
    if not domain.UUID.fullmatch(last_id):
        raise invalid
    if f != filters:
        raise InvalidArgument([FieldViolation("page_token", "gehört zu einer Abfrage mit anderen Filtern")])
    return at, last_id


def _grouped(rows) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.antrag_id, []).append(row)
    return grouped


def _event(payload, proto: Antrag) -> Envelope:
    return events.wrap(
        payload, aggregate_type="antrag", aggregate_key=proto.id, aggregate_version=proto.version, producer=PRODUCER
    )


def _timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    # SQLite hands back naive datetimes; everything is stored in UTC.
    ts.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    return ts


def _uebertragung_proto(row: dict) -> pb.Uebertragung:
    return pb.Uebertragung(
        id=row["id"],
        gemeinde_ags=row["gemeinde_ags"],
        kreis_ags=row["kreis_ags"],
        programm=Programm.Value(row["programm"]),
        beginn=row["beginn"].isoformat(),
        ende=row["ende"].isoformat(),
        erfasst_at=_timestamp(row["erfasst_at"]),
    )


def to_proto(row, stellen: list, beteiligte: list, abrufe: list) -> Antrag:
    a = Antrag(
        id=row.id,
        status=AntragStatus.Value(row.status),
        antragsteller_ags=row.antragsteller_ags,
        kreis_ags=row.kreis_ags,
        programm=Programm.Value(row.programm),
        foerderjahr=row.foerderjahr,
        beginn=row.beginn.isoformat(),
        ende=row.ende.isoformat(),
        traegerschaft=pb.Traegerschaft.Value(row.traegerschaft),
        traeger_name=row.traeger_name,
        ansprechperson=pb.Ansprechperson(
            name=row.ansprechperson_name, email=row.ansprechperson_email, telefon=row.ansprechperson_telefon
        ),
        begruendung=row.begruendung,
        betrag_cent=row.betrag_cent,
        bewilligt_cent=row.bewilligt_cent,
        abgerufen_cent=row.abgerufen_cent,
        ausgezahlt_cent=row.ausgezahlt_cent,
        verwendet_cent=row.verwendet_cent,
        rueckforderung_cent=row.rueckforderung_cent,
        freigegeben_cent=row.freigegeben_cent,
        bescheid_id=row.bescheid_id or "",
        bescheid_begruendung=row.bescheid_begruendung,
        eingegangen_at=_timestamp(row.eingegangen_at),
        geaendert_at=_timestamp(row.geaendert_at),
        version=row.version,
        stellen=[
            pb.Stelle(vzae_hundertstel=s.vzae_hundertstel, qualifikation=pb.Qualifikation.Value(s.qualifikation))
            for s in stellen
        ],
        mitglieder=[
            pb.Kooperationsmitglied(ags=b.ags, anteil_prozent=b.anteil_prozent) for b in beteiligte if b.rolle == MITGLIED
        ],
        uebertragende_ags=[b.ags for b in beteiligte if b.rolle == UEBERTRAGEND],
        mittelabrufe=[
            pb.Mittelabruf(
                id=m.id,
                betrag_cent=m.betrag_cent,
                status=MittelabrufStatus.Value(m.status),
                angefordert_at=_timestamp(m.angefordert_at),
                ausgezahlt_at=_timestamp(m.ausgezahlt_at) if m.ausgezahlt_at else None,
            )
            for m in abrufe
        ],
    )
    if row.nachforderung_text:
        a.nachforderung.CopyFrom(
            pb.Nachforderung(
                text=row.nachforderung_text,
                frist=row.nachforderung_frist.isoformat() if row.nachforderung_frist else "",
                antwort=row.nachforderung_antwort,
            )
        )
    return a
