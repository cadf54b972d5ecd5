"""Rows to protobuf: what allocation answers and the events it publishes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Row

from pakt.allocation.v1.allocation_pb2 import (
    BescheidStand,
    Entscheidung,
    Parameter,
    Planungsrahmen,
    Tranche,
    Umverteilung,
)
from pakt.allocation.v1.events_pb2 import (
    BescheidErlassen,
    Bindung,
    KommunenRahmen,
    VerteilungFestgelegt,
)
from pakt.antrag.v1.antrag_pb2 import Antrag
from pakt.common.v1.envelope_pb2 import Envelope
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform import events
from pakt.platform.times import timestamp
from services.allocation.domain import ART_NAME, Entscheid

PRODUCER = "allocation"
ART_VALUE = {name: value for value, name in ART_NAME.items()}


def parameter(row: Row) -> Parameter:
    return Parameter(
        id=row.id,
        art=ART_VALUE[row.art],
        programm=Programm.Value(row.programm) if row.programm else 0,
        foerderjahr=row.foerderjahr or 0,
        tranche=Tranche.Value(row.tranche) if row.tranche else 0,
        betrag_cent=row.betrag_cent,
        stichtag=row.stichtag.isoformat() if row.stichtag else "",
        gueltig_ab=row.gueltig_ab.isoformat(),
        quelle=row.quelle,
        erfasst_von=row.erfasst_von,
        erfasst_at=timestamp(row.erfasst_at),
    )


def planungsrahmen(row: Row) -> Planungsrahmen:
    return Planungsrahmen(
        kommune_ags=row.kommune_ags,
        kreis_ags=row.kreis_ags,
        programm=Programm.Value(row.programm),
        foerderjahr=row.foerderjahr,
        rahmen_cent=row.rahmen_cent,
        gebunden_cent=row.gebunden_cent,
        verteilung_id=row.verteilung_id,
    )


def umverteilung(row: Row, neuer_rahmen_cent: int) -> Umverteilung:
    return Umverteilung(
        kommune_ags=row.kommune_ags, kreis_ags=row.kreis_ags, rahmen_cent=row.rahmen_cent,
        gebunden_cent=row.gebunden_cent, frei_cent=row.rahmen_cent - row.gebunden_cent,
        neuer_rahmen_cent=neuer_rahmen_cent,
    )


def bescheid_stand(row: Row) -> BescheidStand:
    return BescheidStand(
        bescheid_id=row.id, antrag_id=row.antrag_id, kommune_ags=row.kommune_ags,
        programm=Programm.Value(row.programm), foerderjahr=row.foerderjahr,
        entscheidung=Entscheidung.Value(row.entscheidung), bewilligt_cent=row.bewilligt_cent,
        freigegeben_cent=int(row.freigegeben_cent),
    )


def verteilung_festgelegt(
    verteilung_id: str, programm: str, foerderjahr: int, budget_cent: int, shares: Mapping[str, int],
    kreise: Mapping[str, str], now: datetime,
) -> Envelope:
    event = VerteilungFestgelegt(
        verteilung_id=verteilung_id,
        programm=Programm.Value(programm),
        foerderjahr=foerderjahr,
        budget_cent=budget_cent,
        rahmen=[
            KommunenRahmen(kommune_ags=ags, kreis_ags=kreise[ags], rahmen_cent=cent) for ags, cent in sorted(shares.items())
        ],
    )
    # Versions order Verteilungen of one programme and year; time keeps them increasing.
    return events.wrap(
        event, aggregate_type="verteilung", aggregate_key=f"{programm}/{foerderjahr}",
        aggregate_version=int(now.timestamp() * 1000), producer=PRODUCER,
    )


def bescheid_erlassen(
    bescheid_id: str, a: Antrag, entscheid: Entscheid, rahmen_cent: int, gebunden_vorher: int,
    pool: list[Row], parts: Mapping[str, int],
) -> Envelope:
    event = BescheidErlassen(
        bescheid_id=bescheid_id,
        antrag_id=a.id,
        kommune_ags=a.antragsteller_ags,
        programm=a.programm,
        foerderjahr=a.foerderjahr,
        entscheidung=entscheid.entscheidung,
        ablehnungsgrund=entscheid.ablehnungsgrund,
        beantragt_cent=a.betrag_cent,
        bewilligt_cent=entscheid.bewilligt_cent,
        rahmen_cent=rahmen_cent,
        gebunden_vorher_cent=gebunden_vorher,
        begruendung=entscheid.begruendung,
        bindungen=[
            Bindung(
                kommune_ags=f.kommune_ags, verteilung_id=f.verteilung_id, rahmen_cent=f.rahmen_cent,
                frei_vorher_cent=f.rahmen_cent - f.gebunden_cent, gebunden_cent=parts.get(f.kommune_ags, 0),
            )
            for f in pool
        ],
    )
    return events.wrap(event, aggregate_type="antrag", aggregate_key=a.id, aggregate_version=1, producer=PRODUCER)
