"""Valid requests and callers for tests of the antrag service; each test changes what it is about."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import Engine

from pakt.allocation.v1.allocation_pb2 import (
    ENTSCHEIDUNG_BEWILLIGT,
    ENTSCHEIDUNG_TEILWEISE_BEWILLIGT,
)
from pakt.allocation.v1.events_pb2 import BescheidErlassen
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.unit_of_work import utcnow
from services.antrag import abfragen, abgleich, antragsteller, bewilligungsstelle
from services.antrag import bescheid as bescheide
from services.antrag.main import units_of_work

IM = Programm.PROGRAMM_INTEGRATIONSMANAGEMENT
SPRACHERWERB = Programm.PROGRAMM_SPRACHERWERB

STUTTGART = "08111000"  # Stadtkreis Stuttgart, the city
ESSLINGEN_KREIS = "08116"  # Landkreis Esslingen
ESSLINGEN = "08116019"  # Esslingen am Neckar, in Landkreis Esslingen
ALTBACH = "08116004"  # small Gemeinden in Landkreis Esslingen
AICHWALD = "08116076"
DENKENDORF = "08116015"
BAD_BOLL = "08117012"  # Landkreis Göppingen

RP = Principal(operator="sachbearbeitung")


class Antraege:
    """The antrag use cases on one database, called as the gRPC API calls them."""

    def __init__(self, engine: Engine, on_events: Callable[[], None] = lambda: None, clock=utcnow) -> None:
        self.engine = engine
        self.units = units_of_work(engine, on_events, clock)

    def __getattr__(self, name: str):
        use_case = _USE_CASES[name]
        return lambda *args, **kwargs: use_case(self.units, *args, **kwargs)

    def get(self, principal: Principal, antrag_id: str) -> pb.Antrag:
        return abfragen.get(self.units, principal, pb.GetAntragRequest(id=antrag_id)).antrag

    def history(self, principal: Principal, antrag_id: str) -> list[pb.HistorienEintrag]:
        return list(abfragen.history(self.units, principal, pb.GetAntragHistoryRequest(antrag_id=antrag_id)).eintraege)

    def list_uebertragungen(self, principal: Principal, r: pb.ListUebertragungenRequest) -> list[pb.Uebertragung]:
        return list(abfragen.list_uebertragungen(self.units, principal, r).uebertragungen)


_USE_CASES = {
    "submit": antragsteller.submit,
    "withdraw": antragsteller.withdraw,
    "answer_nachforderung": antragsteller.answer_nachforderung,
    "request_mittelabruf": antragsteller.request_mittelabruf,
    "submit_verwendungsnachweis": antragsteller.submit_verwendungsnachweis,
    "record_uebertragung": antragsteller.record_uebertragung,
    "begin_pruefung": bewilligungsstelle.begin_pruefung,
    "request_nachforderung": bewilligungsstelle.request_nachforderung,
    "complete_pruefung": bewilligungsstelle.complete_pruefung,
    "confirm_auszahlung": bewilligungsstelle.confirm_auszahlung,
    "apply_bescheid": bescheide.apply_bescheid,
    "list": abfragen.list_antraege,
    "list_geldstaende": abgleich.list_geldstaende,
    "republish": abgleich.republish_antraege,
    "republish_undecided": abgleich.republish_undecided,
}


def kommune(ags: str) -> Principal:
    return Principal(ags=ags)


def rid() -> str:
    return str(uuid.uuid4())


def submission(**overrides) -> pb.SubmitAntragRequest:
    """A complete, valid Integrationsmanagement Antrag of Stuttgart for 2017."""
    fields = dict(
        request_id=rid(),
        antragsteller_ags=STUTTGART,
        programm=IM,
        foerderjahr=2017,
        betrag_cent=120_000_00,
        beginn="2017-07-01",
        ende="2017-12-31",
        stellen=[
            pb.Stelle(vzae_hundertstel=100, qualifikation=pb.QUALIFIKATION_HOCHSCHULABSCHLUSS_SOZIALWESEN),
            pb.Stelle(vzae_hundertstel=50, qualifikation=pb.QUALIFIKATION_BERUFSAUSBILDUNG_MIT_ERFAHRUNGSWISSEN),
        ],
        traegerschaft=pb.TRAEGERSCHAFT_DRITTE,
        traeger_name="Caritasverband für Stuttgart e.V.",
        ansprechperson=pb.Ansprechperson(name="Erika Muster", email="integration@stuttgart.example", telefon="0711 216-0"),
        begruendung="Zwei Integrationsmanager für die Anschlussunterbringung in Bad Cannstatt und Feuerbach.",
    )
    fields.update(overrides)
    if fields["programm"] != IM and "stellen" not in overrides:
        fields["stellen"] = []
    return pb.SubmitAntragRequest(**fields)


def bescheid(service: Antraege, antrag_id: str, bewilligt: int, entscheidung=ENTSCHEIDUNG_BEWILLIGT) -> None:
    """Allocation's Bescheid, as the consumer hands it over."""
    payload = BescheidErlassen(
        bescheid_id=str(uuid.uuid4()), antrag_id=antrag_id, entscheidung=entscheidung, bewilligt_cent=bewilligt,
        begruendung="Bewilligt.",
    )
    envelope = events.wrap(payload, aggregate_type="antrag", aggregate_key=antrag_id, aggregate_version=1, producer="allocation")
    assert service.apply_bescheid(envelope, payload) == "applied"


def approved(service: Antraege, who: str = STUTTGART, betrag: int = 120_000_00, bewilligt: int | None = None, **fields):
    a = service.submit(kommune(who), submission(antragsteller_ags=who, betrag_cent=betrag, **fields)).antrag
    service.begin_pruefung(RP, pb.BeginPruefungRequest(request_id=rid(), antrag_id=a.id))
    service.complete_pruefung(RP, pb.CompletePruefungRequest(request_id=rid(), antrag_id=a.id))
    bescheid(service, a.id, betrag if bewilligt is None else bewilligt,
             ENTSCHEIDUNG_BEWILLIGT if bewilligt is None else ENTSCHEIDUNG_TEILWEISE_BEWILLIGT)
    return service.get(RP, a.id)
