"""The antrag service's rows as protobuf messages, and the Antrag as events carry it."""

from __future__ import annotations

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus, MittelabrufStatus, Schritt
from pakt.common.v1.envelope_pb2 import Envelope
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform import events
from pakt.platform.times import timestamp
from services.antrag.domain import MITGLIED, UEBERTRAGEND

PRODUCER = "antrag"


def public(proto: Antrag) -> Antrag:
    """The Antrag as events carry it: without the contact person and free texts."""
    event = Antrag()
    event.CopyFrom(proto)
    event.ClearField("ansprechperson")
    event.begruendung = ""
    event.nachforderung.text = ""
    event.nachforderung.antwort = ""
    return event


def event(payload, proto: Antrag) -> Envelope:
    return events.wrap(
        payload, aggregate_type="antrag", aggregate_key=proto.id, aggregate_version=proto.version, producer=PRODUCER
    )


def uebertragung_proto(row: dict) -> pb.Uebertragung:
    return pb.Uebertragung(
        id=row["id"],
        gemeinde_ags=row["gemeinde_ags"],
        kreis_ags=row["kreis_ags"],
        programm=Programm.Value(row["programm"]),
        beginn=row["beginn"].isoformat(),
        ende=row["ende"].isoformat(),
        erfasst_at=timestamp(row["erfasst_at"]),
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
        eingegangen_at=timestamp(row.eingegangen_at),
        geaendert_at=timestamp(row.geaendert_at),
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
                angefordert_at=timestamp(m.angefordert_at),
                ausgezahlt_at=timestamp(m.ausgezahlt_at) if m.ausgezahlt_at else None,
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


def historien_eintrag(h) -> pb.HistorienEintrag:
    return pb.HistorienEintrag(
        version=h.version,
        zeitpunkt=timestamp(h.zeitpunkt),
        akteur=h.akteur,
        schritt=Schritt.Value(h.schritt),
        status_vorher=AntragStatus.Value(h.status_vorher) if h.status_vorher else 0,
        status_nachher=AntragStatus.Value(h.status_nachher),
        begruendung=h.begruendung,
        betrag_cent=h.betrag_cent,
    )


def geldstand(row) -> pb.Geldstand:
    return pb.Geldstand(
        antrag_id=row.id, antragsteller_ags=row.antragsteller_ags, programm=Programm.Value(row.programm),
        foerderjahr=row.foerderjahr, status=AntragStatus.Value(row.status), version=row.version,
        bescheid_id=row.bescheid_id or "", bewilligt_cent=row.bewilligt_cent,
        ausgezahlt_cent=row.ausgezahlt_cent, freigegeben_cent=row.freigegeben_cent,
        rueckforderung_cent=row.rueckforderung_cent, geaendert_at=timestamp(row.geaendert_at),
    )
