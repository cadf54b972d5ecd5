"""CLI output: JSON for machines with money as integer cents, German euro amounts for people."""

from __future__ import annotations

import json

import pytest

from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus
from pakt.cli.output import to_dict
from pakt.common.v1.programm_pb2 import Programm
from pakt.geld import euro  # the CLI's money format (pakt/cli/main.py)
from pakt.reporting.v1.reporting_pb2 import GetUtilisationResponse, UtilisationRow


def _antrag() -> Antrag:
    """An Antrag as the antrag service returns it: timestamps are always set."""
    antrag = Antrag(
        id="a-0001",
        status=AntragStatus.ANTRAG_STATUS_TEILWEISE_BEWILLIGT,
        antragsteller_ags="08115003",
        kreis_ags="08115",
        programm=Programm.PROGRAMM_SPRACHERWERB,
        foerderjahr=2017,
        betrag_cent=8_000_000,
        bewilligt_cent=6_000_000,
        ausgezahlt_cent=0,
        bescheid_begruendung="Teilweise bewilligt",
        version=2,
    )
    antrag.eingegangen_at.FromSeconds(1_500_000_000)
    antrag.geaendert_at.FromSeconds(1_500_003_600)
    return antrag


def test_antrag_as_dict():
    data = to_dict(_antrag())
    assert {k: data[k] for k in EXPECTED} == EXPECTED
    assert data["stellen"] == [] and data["mittelabrufe"] == []


EXPECTED = {
        "id": "a-0001",
        "status": "ANTRAG_STATUS_TEILWEISE_BEWILLIGT",
        "antragsteller_ags": "08115003",
        "kreis_ags": "08115",
        "programm": "PROGRAMM_SPRACHERWERB",
        "foerderjahr": 2017,
        "betrag_cent": 8_000_000,
        "bewilligt_cent": 6_000_000,
        "ausgezahlt_cent": 0,
        "bescheid_begruendung": "Teilweise bewilligt",
        "eingegangen_at": "2017-07-14T02:40:00Z",
        "geaendert_at": "2017-07-14T03:40:00Z",
        "version": 2,
    }


def test_antrag_money_and_version_are_json_numbers():
    data = to_dict(_antrag())
    for field in ("betrag_cent", "bewilligt_cent", "ausgezahlt_cent", "version"):
        assert type(data[field]) is int, field
    text = json.dumps(data)
    assert '"betrag_cent": 8000000' in text
    assert '"bewilligt_cent": 6000000' in text


def test_empty_antrag_prints_zeros_and_unspecified_enums():
    data = to_dict(Antrag())
    assert {k: data[k] for k in EMPTY} == EMPTY
    assert data["abgerufen_cent"] == 0 and data["mitglieder"] == []


EMPTY = {
        "id": "",
        "status": "ANTRAG_STATUS_UNSPECIFIED",
        "antragsteller_ags": "",
        "kreis_ags": "",
        "programm": "PROGRAMM_UNSPECIFIED",
        "foerderjahr": 0,
        "betrag_cent": 0,
        "bewilligt_cent": 0,
        "ausgezahlt_cent": 0,
        "bescheid_begruendung": "",
        "version": 0,
    }


def test_utilisation_row_as_dict():
    row = UtilisationRow(
        key="08111",
        name="Stuttgart",
        planungsrahmen_cent=318_862_000,
        beantragt_cent=10_000_000,
        bewilligt_cent=5_100_000,
        antraege=3,
    )
    data = to_dict(row)
    assert data == {
        "key": "08111",
        "name": "Stuttgart",
        "planungsrahmen_cent": 318_862_000,
        "beantragt_cent": 10_000_000,
        "bewilligt_cent": 5_100_000,
        "ausgezahlt_cent": 0,
        "antraege": 3,
    }
    assert all(type(data[f]) is int for f in data if f not in ("key", "name"))


def test_int64_inside_repeated_messages_are_numbers():
    reply = GetUtilisationResponse(
        rows=[UtilisationRow(key="PROGRAMM_EHRENAMT", bewilligt_cent=9), UtilisationRow(key="PROGRAMM_SPRACHERWERB")],
        events_applied=12,
    )
    data = to_dict(reply)
    assert data["events_applied"] == 12
    assert [r["bewilligt_cent"] for r in data["rows"]] == [9, 0]
    assert [type(r["planungsrahmen_cent"]) for r in data["rows"]] == [int, int]


@pytest.mark.parametrize(
    ("cent", "text"),
    [
        (123456789, "1.234.567,89 €"),
        (5, "0,05 €"),
        (0, "0,00 €"),
        (99, "0,99 €"),
        (5_100_000, "51.000,00 €"),
        (-5, "-0,05 €"),
        (2**53 + 1, "90.071.992.547.409,93 €"),  # beyond float precision: still exact
    ],
)
def test_euro(cent, text):
    assert euro(cent) == text
