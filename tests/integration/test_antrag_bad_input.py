"""Bad input to every mutating call of the antrag service, on SQLite and PostgreSQL: each answers
INVALID_ARGUMENT naming the field, and nothing is stored — no row in any table, no change to the
Antrag the call was aimed at."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.platform.errors import InvalidArgument
from services.antrag.main import MIGRATIONS
from tests.antraege import Antraege
from services.antrag.tables import metadata
from tests.antraege import ALTBACH, ESSLINGEN, IM, RP, SPRACHERWERB, STUTTGART, approved, kommune, rid, submission
from services.antrag.abfragen import filter_fingerprint
from tests.databases import migrated_engine

TODAY = datetime.now(UTC).date()
UPPERCASE_ID = "9B2F6C1E-3D4A-4F5B-8C7D-0E1F2A3B4C5D"


LIST_FILTERS = filter_fingerprint(pb.ListAntraegeRequest())


def token(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# Per RPC: the service method, the caller, the request type and the valid content of a request
# (besides request_id and antrag_id); each case overrides some of it.
KOMMUNE = kommune(STUTTGART)
RPCS = {
    "SubmitAntrag": ("submit", KOMMUNE, pb.SubmitAntragRequest, {}),
    "WithdrawAntrag": ("withdraw", KOMMUNE, pb.WithdrawAntragRequest, {"begruendung": "Doppelt gestellt"}),
    "AnswerNachforderung": ("answer_nachforderung", KOMMUNE, pb.AnswerNachforderungRequest, {"antwort": "Liegt bei."}),
    "RequestMittelabruf": ("request_mittelabruf", KOMMUNE, pb.RequestMittelabrufRequest, {"betrag_cent": 10_000_00}),
    "SubmitVerwendungsnachweis": (
        "submit_verwendungsnachweis", KOMMUNE, pb.SubmitVerwendungsnachweisRequest,
        {"verwendet_cent": 0, "bericht": "Zwei Stellen besetzt."},
    ),
    "RecordUebertragung": (
        "record_uebertragung", kommune(ALTBACH), pb.RecordUebertragungRequest,
        {"gemeinde_ags": ALTBACH, "programm": IM, "beginn": "2017-04-01", "ende": "2018-12-31"},
    ),
    "BeginPruefung": ("begin_pruefung", RP, pb.BeginPruefungRequest, {"vermerk": "Unterlagen vollständig?"}),
    "RequestNachforderung": (
        "request_nachforderung", RP, pb.RequestNachforderungRequest,
        {"text": "Stellenbeschreibung fehlt", "frist": (TODAY + timedelta(days=14)).isoformat()},
    ),
    "CompletePruefung": ("complete_pruefung", RP, pb.CompletePruefungRequest, {"vermerk": "Geprüft."}),
    "ConfirmAuszahlung": ("confirm_auszahlung", RP, pb.ConfirmAuszahlungRequest, {}),
    "ListAntraege": ("list", RP, pb.ListAntraegeRequest, {}),
}


def case(rpc: str, name: str, fields: list[str], **overrides):
    return pytest.param(rpc, overrides, fields, id=f"{rpc}:{name}")


CASES = [
    case("SubmitAntrag", "request_id-missing", ["request_id"], request_id=""),
    case("SubmitAntrag", "ags-unknown", ["antragsteller_ags"], antragsteller_ags="08999999"),
    case("SubmitAntrag", "programm-unknown", ["programm"], programm=99),
    case("SubmitAntrag", "betrag-above-cap", ["betrag_cent"], betrag_cent=58_000_000_01),
    case("SubmitAntrag", "beginn-month-13", ["beginn"], beginn="2017-13-01"),
    case("SubmitAntrag", "beginn-iso-week", ["beginn"], beginn="2017-W27-1"),
    case("SubmitAntrag", "ende-before-beginn", ["ende"], beginn="2017-07-01", ende="2017-06-30"),
    case("SubmitAntrag", "vzae-0", ["stellen[1].vzae_hundertstel"],
         stellen=[pb.Stelle(vzae_hundertstel=100, qualifikation=1), pb.Stelle(vzae_hundertstel=0, qualifikation=1)]),
    case("SubmitAntrag", "positions-for-spracherwerb", ["stellen"],
         programm=SPRACHERWERB, stellen=[pb.Stelle(vzae_hundertstel=100, qualifikation=1)]),
    case("SubmitAntrag", "dritte-without-name", ["traeger_name"], traeger_name=""),
    case("SubmitAntrag", "email-nul", ["ansprechperson.email"],
         ansprechperson=pb.Ansprechperson(name="Erika Muster", email="erika\x00@stuttgart.de")),
    case("SubmitAntrag", "telefon-31-chars", ["ansprechperson.telefon"],
         ansprechperson=pb.Ansprechperson(name="Erika Muster", email="erika@stuttgart.de", telefon="+" + "4" * 30)),
    case("SubmitAntrag", "begruendung-nul", ["begruendung"], begruendung="Zwei Stellen\x00"),
    case("SubmitAntrag", "begruendung-5001-chars", ["begruendung"], begruendung="B" * 5001),
    case("SubmitAntrag", "member-other-kreis", ["mitglieder[0].ags"],
         mitglieder=[pb.Kooperationsmitglied(ags=ESSLINGEN, anteil_prozent=10)]),
    case("WithdrawAntrag", "begruendung-missing", ["begruendung"], begruendung=""),
    case("WithdrawAntrag", "begruendung-bidi-override", ["begruendung"], begruendung="Doppelt\u202e gestellt"),
    case("WithdrawAntrag", "antrag_id-uppercase", ["antrag_id"], antrag_id=UPPERCASE_ID),
    case("WithdrawAntrag", "all-missing", ["antrag_id", "begruendung", "request_id"],
         request_id="", antrag_id="", begruendung=""),
    case("AnswerNachforderung", "antwort-blank", ["antwort"], antwort="  \n "),
    case("AnswerNachforderung", "antwort-control-char", ["antwort"], antwort="Liegt bei.\x1b"),
    case("AnswerNachforderung", "antwort-line-separator", ["antwort"], antwort="Liegt bei.\u2028Anlage 2"),
    case("AnswerNachforderung", "antrag_id-missing", ["antrag_id"], antrag_id=""),
    case("RequestMittelabruf", "betrag-0", ["betrag_cent"], betrag_cent=0),
    case("RequestMittelabruf", "betrag-negative", ["betrag_cent"], betrag_cent=-10_000_00),
    case("RequestMittelabruf", "antrag_id-not-a-uuid", ["antrag_id"], antrag_id="antrag-1"),
    case("RequestMittelabruf", "request_id-101-chars", ["request_id"], request_id="a" * 101),
    case("SubmitVerwendungsnachweis", "verwendet-negative", ["verwendet_cent"], verwendet_cent=-1),
    case("SubmitVerwendungsnachweis", "bericht-missing", ["bericht"], bericht=""),
    case("SubmitVerwendungsnachweis", "bericht-nul", ["bericht"], bericht="Bericht\x00"),
    case("SubmitVerwendungsnachweis", "bericht-c1-csi", ["bericht"], bericht="Bericht\x9b31m"),
    case("RecordUebertragung", "programm-spracherwerb", ["programm"], programm=SPRACHERWERB),
    case("RecordUebertragung", "gemeinde-in-stadtkreis", ["gemeinde_ags"], gemeinde_ags=STUTTGART),
    case("RecordUebertragung", "gemeinde-unknown", ["gemeinde_ags"], gemeinde_ags="08116999"),
    case("RecordUebertragung", "ende-before-beginn", ["ende"], beginn="2017-07-01", ende="2017-06-30"),
    case("RecordUebertragung", "beginn-before-foerderjahre", ["beginn"], beginn="2016-01-01"),
    case("RecordUebertragung", "ende-malformed", ["ende"], ende="2018-12-31T23:59"),
    case("BeginPruefung", "vermerk-whitespace", ["vermerk"], vermerk="   "),
    case("BeginPruefung", "vermerk-control-char", ["vermerk"], vermerk="geprüft\x08"),
    case("BeginPruefung", "request_id-space", ["request_id"], request_id="pruefung 1"),
    case("RequestNachforderung", "frist-yesterday", ["frist"], frist=(TODAY - timedelta(days=1)).isoformat()),
    case("RequestNachforderung", "frist-beyond-a-year", ["frist"], frist=(TODAY + timedelta(days=366)).isoformat()),
    case("RequestNachforderung", "frist-german-format", ["frist"], frist=TODAY.strftime("%d.%m.%Y")),
    case("RequestNachforderung", "frist-missing", ["frist"], frist=""),
    case("RequestNachforderung", "text-missing", ["text"], text=""),
    case("RequestNachforderung", "text-noncharacter", ["text"], text="Stellenplan\ufffe"),
    case("CompletePruefung", "vermerk-5001-chars", ["vermerk"], vermerk="V" * 5001),
    case("CompletePruefung", "antrag_id-missing", ["antrag_id"], antrag_id=""),
    case("ConfirmAuszahlung", "mittelabruf_id-malformed", ["mittelabruf_id"], mittelabruf_id="abruf-1"),
    case("ConfirmAuszahlung", "mittelabruf_id-missing", ["mittelabruf_id"], mittelabruf_id=""),
    case("ConfirmAuszahlung", "mittelabruf_id-uppercase", ["mittelabruf_id"], mittelabruf_id=UPPERCASE_ID),
    case("ListAntraege", "page_size-negative", ["page_size"], page_size=-1),
    case("ListAntraege", "page_size-501", ["page_size"], page_size=501),
    case("ListAntraege", "page_token-garbage", ["page_token"], page_token="garbage"),
    case("ListAntraege", "page_token-not-json", ["page_token"], page_token=base64.urlsafe_b64encode(b"\xff\xfe").decode()),
    case("ListAntraege", "page_token-without-keys", ["page_token"], page_token=token({"x": 1})),
    case("ListAntraege", "page_token-bad-timestamp", ["page_token"], page_token=token({"at": "gestern", "id": "x", "f": ""})),
    case("ListAntraege", "page_token-deeply-nested", ["page_token"], page_token=base64.urlsafe_b64encode(b"[" * 200).decode()),
    case("ListAntraege", "page_token-id-not-a-uuid", ["page_token"],
         page_token=token({"at": "2017-01-01T00:00:00+00:00", "id": "\x00", "f": LIST_FILTERS})),
    case("ListAntraege", "page_token-other-filters", ["page_token"],
         page_token=token({"at": "2017-01-01T00:00:00+00:00", "id": "x", "f": "0000000000000000"})),
    case("ListAntraege", "kommune_ags-malformed", ["kommune_ags"], kommune_ags="0811"),
    case("ListAntraege", "kreis_ags-8-digits", ["kreis_ags"], kreis_ags=STUTTGART),
    case("ListAntraege", "status-unknown", ["status"], status=99),
    case("ListAntraege", "foerderjahr-1999", ["foerderjahr"], foerderjahr=1999),
]


@pytest.fixture
def service(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Antraege(engine)


@pytest.fixture
def target(service) -> pb.Antrag:
    """An approved Antrag of Stuttgart with one Mittelabruf, so every step has a real target."""
    a = approved(service)
    abruf = pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=a.id, betrag_cent=10_000_00)
    return service.request_mittelabruf(KOMMUNE, abruf).antrag


def build(rpc: str, target: pb.Antrag, overrides: dict):
    method, principal, request_type, valid = RPCS[rpc]
    if rpc == "SubmitAntrag":
        return method, principal, submission(**overrides)
    ids = {"request_id": rid(), "antrag_id": target.id, "mittelabruf_id": target.mittelabrufe[0].id}
    own = {k: v for k, v in ids.items() if k in request_type.DESCRIPTOR.fields_by_name}
    return method, principal, request_type(**{**own, **valid, **overrides})


def snapshot(service: Antraege, target: pb.Antrag) -> tuple[dict[str, int], pb.Antrag]:
    with service.engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}
    return counts, service.get(RP, target.id)


def test_all_tables_are_watched():
    assert {t.name for t in metadata.sorted_tables} == {
        "antrag", "stelle", "beteiligung", "mittelabruf", "historie", "uebertragung", "idempotenzschluessel", "outbox",
        "outbox_relay_state", "verarbeitete_ereignisse",
    }


def test_many_bad_inputs_cover_every_mutating_rpc():
    assert len(CASES) >= 30
    assert {c.values[0] for c in CASES} == set(RPCS)


@pytest.mark.parametrize(("rpc", "overrides", "fields"), CASES)
def test_bad_input_is_rejected_and_stores_nothing(service, target, rpc, overrides, fields):
    method, principal, request = build(rpc, target, overrides)
    before = snapshot(service, target)
    with pytest.raises(InvalidArgument) as exc:
        getattr(service, method)(principal, request)
    assert sorted(v.field for v in exc.value.violations) == fields
    assert snapshot(service, target) == before


@pytest.mark.parametrize("reuse", ["same-rpc-other-amount", "other-rpc", "submit-other-content"])
def test_request_id_reused_with_other_content_is_rejected_and_stores_nothing(service, target, reuse):
    service.request_mittelabruf(
        KOMMUNE, pb.RequestMittelabrufRequest(request_id="schluessel-1", antrag_id=target.id, betrag_cent=1_000_00)
    )
    first_submit = submission(request_id="schluessel-2", programm=SPRACHERWERB)
    service.submit(KOMMUNE, first_submit)
    reused = {
        "same-rpc-other-amount": lambda: service.request_mittelabruf(KOMMUNE, pb.RequestMittelabrufRequest(
            request_id="schluessel-1", antrag_id=target.id, betrag_cent=2_000_00)),
        "other-rpc": lambda: service.withdraw(KOMMUNE, pb.WithdrawAntragRequest(
            request_id="schluessel-1", antrag_id=target.id, begruendung="Doppelt gestellt")),
        "submit-other-content": lambda: service.submit(KOMMUNE, submission(
            request_id="schluessel-2", programm=SPRACHERWERB, betrag_cent=first_submit.betrag_cent + 1)),
    }
    before = snapshot(service, target)
    with pytest.raises(InvalidArgument) as exc:
        reused[reuse]()
    assert [v.field for v in exc.value.violations] == ["request_id"]
    assert snapshot(service, target) == before
