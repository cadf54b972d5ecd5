"""The antrag service layer: one database transaction per use case, events via the outbox."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import Engine, Row, select, update
from sqlalchemy.exc import IntegrityError

from pakt.allocation.v1.events_pb2 import BescheidErlassen
from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus, SubmitAntragRequest
from pakt.antrag.v1.events_pb2 import AntragBeschieden, AntragEingereicht
from pakt.common.v1.envelope_pb2 import Envelope
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform import events
from pakt.platform.errors import FieldViolation, InvalidArgument, NotFound
from pakt.platform.inbox import first_delivery
from pakt.platform.outbox import enqueue
from pakt.referenzdaten import gebiete, programme
from services.antrag import domain
from services.antrag.tables import antrag, idempotenz, inbox, outbox

PRODUCER = "antrag"


class AntragService:
    def __init__(self, engine: Engine, on_events: Callable[[], None] = lambda: None) -> None:
        self.engine = engine
        # Called after a commit that wrote events, so the relay publishes without waiting to poll.
        self.on_events = on_events

    def submit(self, request: SubmitAntragRequest) -> Antrag:
        einreichung = domain.Einreichung(
            request_id=request.request_id,
            antragsteller_ags=request.antragsteller_ags,
            programm=request.programm,
            foerderjahr=request.foerderjahr,
            betrag_cent=request.betrag_cent,
        )
        if violations := domain.validate(einreichung, gebiete(), programme()):
            raise InvalidArgument(violations)
        fingerprint = _fingerprint(request)
        existing = self._replay(request.request_id, fingerprint)
        if existing is not None:
            return existing
        now = datetime.now(UTC)
        row = {
            "id": str(uuid.uuid4()),
            "status": AntragStatus.Name(AntragStatus.ANTRAG_STATUS_EINGEGANGEN),
            "antragsteller_ags": request.antragsteller_ags,
            "kreis_ags": gebiete().kreis_of(request.antragsteller_ags),
            "programm": Programm.Name(request.programm),
            "foerderjahr": request.foerderjahr,
            "betrag_cent": request.betrag_cent,
            "bewilligt_cent": 0,
            "ausgezahlt_cent": 0,
            "bescheid_id": None,
            "bescheid_begruendung": "",
            "eingegangen_at": now,
            "geaendert_at": now,
            "version": 1,
        }
        proto = to_proto(row)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    idempotenz.insert().values(
                        request_id=request.request_id, payload_sha256=fingerprint, antrag_id=row["id"], created_at=now
                    )
                )
                conn.execute(antrag.insert().values(**row))
                enqueue(conn, outbox, events.ANTRAG_EVENTS, _event(AntragEingereicht(antrag=proto), proto))
        except IntegrityError:
            # A concurrent call with the same request_id won the race; answer as it did.
            existing = self._replay(request.request_id, fingerprint)
            if existing is None:
                raise
            return existing
        self.on_events()
        return proto

    def get(self, antrag_id: str) -> Antrag:
        with self.engine.connect() as conn:
            row = conn.execute(select(antrag).where(antrag.c.id == antrag_id)).one_or_none()
        if row is None:
            raise NotFound(f"Antrag {antrag_id} nicht gefunden")
        return to_proto(row._asdict())

    def apply_bescheid(self, envelope: Envelope, bescheid: BescheidErlassen) -> str:
        """Apply allocation's decision to the Antrag; returns the outcome for metrics."""
        with self.engine.begin() as conn:
            if not first_delivery(conn, inbox, envelope.event_id):
                return "duplicate"
            row = conn.execute(select(antrag).where(antrag.c.id == bescheid.antrag_id)).one_or_none()
            if row is None or AntragStatus.Value(row.status) not in domain.UNDECIDED:
                return "ignored"
            values = {
                "status": AntragStatus.Name(domain.STATUS_AFTER[bescheid.entscheidung]),
                "bewilligt_cent": bescheid.bewilligt_cent,
                "bescheid_id": bescheid.bescheid_id,
                "bescheid_begruendung": bescheid.begruendung,
                "geaendert_at": datetime.now(UTC),
                "version": row.version + 1,
            }
            conn.execute(update(antrag).where(antrag.c.id == row.id, antrag.c.version == row.version).values(**values))
            proto = to_proto({**row._asdict(), **values})
            enqueue(
                conn,
                outbox,
                events.ANTRAG_EVENTS,
                _event(AntragBeschieden(antrag=proto, bescheid_id=bescheid.bescheid_id), proto),
            )
        self.on_events()
        return "applied"

    def _replay(self, request_id: str, fingerprint: str) -> Antrag | None:
        with self.engine.connect() as conn:
            key = conn.execute(select(idempotenz).where(idempotenz.c.request_id == request_id)).one_or_none()
        if key is None:
            return None
        if key.payload_sha256 != fingerprint:
            raise InvalidArgument(
                [FieldViolation("request_id", "wurde bereits für einen Antrag mit anderem Inhalt verwendet")]
            )
        return self.get(key.antrag_id)


def _fingerprint(request: SubmitAntragRequest) -> str:
    content = SubmitAntragRequest()
    content.CopyFrom(request)
    content.request_id = ""
    return hashlib.sha256(content.SerializeToString(deterministic=True)).hexdigest()


def _event(payload, proto: Antrag) -> Envelope:
    return events.wrap(
        payload, aggregate_type="antrag", aggregate_key=proto.id, aggregate_version=proto.version, producer=PRODUCER
    )


def _timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    # SQLite hands back naive datetimes; everything is stored in UTC.
    ts.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    return ts


def to_proto(row: dict | Row) -> Antrag:
    return Antrag(
        id=row["id"],
        status=AntragStatus.Value(row["status"]),
        antragsteller_ags=row["antragsteller_ags"],
        kreis_ags=row["kreis_ags"],
        programm=Programm.Value(row["programm"]),
        foerderjahr=row["foerderjahr"],
        betrag_cent=row["betrag_cent"],
        bewilligt_cent=row["bewilligt_cent"],
        ausgezahlt_cent=row["ausgezahlt_cent"],
        bescheid_begruendung=row["bescheid_begruendung"],
        eingegangen_at=_timestamp(row["eingegangen_at"]),
        geaendert_at=_timestamp(row["geaendert_at"]),
        version=row["version"],
    )
