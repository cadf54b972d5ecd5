"""Validation of a submitted Antrag: every bad field is reported by name, in German."""

from __future__ import annotations

import pytest

from pakt.common.v1.programm_pb2 import Programm
from pakt.referenzdaten import gebiete, programme
from services.antrag.domain import Einreichung, validate

IM = Programm.PROGRAMM_INTEGRATIONSMANAGEMENT
JF = Programm.PROGRAMM_JUNGE_FLUECHTLINGE
SE = Programm.PROGRAMM_SPRACHERWERB
EA = Programm.PROGRAMM_EHRENAMT

VALID = {
    "request_id": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d",
    "antragsteller_ags": "08111000",
    "programm": IM,
    "foerderjahr": 2017,
    "betrag_cent": 5_100_000,
}


def check(**changes):
    return validate(Einreichung(**{**VALID, **changes}), gebiete(), programme())


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"request_id": "a" * 100},
        {"request_id": "x"},
        {"request_id": "kommune.08111000:antrag_2017-1"},
        {"antragsteller_ags": "08115"},  # a Landkreis applies (Übertragung an den Landkreis)
        {"antragsteller_ags": "08115003"},
        {"antragsteller_ags": "08436"},
        {"foerderjahr": 2018},
        {"betrag_cent": 1},
        {"betrag_cent": 5_800_000_000},  # IM: exactly the cap
        {"programm": SE, "betrag_cent": 400_000_000},
        {"programm": JF, "betrag_cent": 400_000_000},
        {"programm": EA, "foerderjahr": 2018, "betrag_cent": 400_000_000},
    ],
    ids=lambda c: ",".join(f"{k}={v!r}"[:40] for k, v in c.items()) or "valid",
)
def test_valid_submission_has_no_violations(changes):
    assert check(**changes) == []


BAD = [
    # request_id
    ("request_id-missing", {"request_id": ""}, "request_id"),
    ("request_id-101-chars", {"request_id": "a" * 101}, "request_id"),
    ("request_id-space", {"request_id": "antrag 1"}, "request_id"),
    ("request_id-leading-space", {"request_id": " antrag-1"}, "request_id"),
    ("request_id-slash", {"request_id": "antrag/1"}, "request_id"),
    ("request_id-umlaut", {"request_id": "anträg-1"}, "request_id"),
    ("request_id-trailing-newline", {"request_id": "antrag-1\n"}, "request_id"),
    ("request_id-100-chars-and-newline", {"request_id": "a" * 100 + "\n"}, "request_id"),
    # antragsteller_ags
    ("ags-missing", {"antragsteller_ags": ""}, "antragsteller_ags"),
    ("ags-blank", {"antragsteller_ags": "   "}, "antragsteller_ags"),
    ("ags-4-digits", {"antragsteller_ags": "0811"}, "antragsteller_ags"),
    ("ags-6-digits", {"antragsteller_ags": "081110"}, "antragsteller_ags"),
    ("ags-7-digits", {"antragsteller_ags": "0811100"}, "antragsteller_ags"),
    ("ags-9-digits", {"antragsteller_ags": "081110000"}, "antragsteller_ags"),
    ("ags-letters", {"antragsteller_ags": "O8111OOO"}, "antragsteller_ags"),
    ("ags-inner-space", {"antragsteller_ags": "08 11100"}, "antragsteller_ags"),
    ("ags-trailing-newline", {"antragsteller_ags": "08111000\n"}, "antragsteller_ags"),
    ("ags-unknown-gemeinde", {"antragsteller_ags": "08999999"}, "antragsteller_ags"),
    ("ags-unknown-kreis", {"antragsteller_ags": "08999"}, "antragsteller_ags"),
    ("ags-muenchen", {"antragsteller_ags": "09162000"}, "antragsteller_ags"),
    ("ags-kreis-muenchen", {"antragsteller_ags": "09162"}, "antragsteller_ags"),
    # programm
    ("programm-0", {"programm": 0}, "programm"),
    ("programm-99", {"programm": 99}, "programm"),
    ("programm-5", {"programm": 5}, "programm"),
    ("programm-negative", {"programm": -1}, "programm"),
    # foerderjahr, for a valid programme
    ("foerderjahr-2016", {"foerderjahr": 2016}, "foerderjahr"),
    ("foerderjahr-2019", {"foerderjahr": 2019}, "foerderjahr"),
    ("foerderjahr-0", {"foerderjahr": 0}, "foerderjahr"),
    ("foerderjahr-negative", {"foerderjahr": -1}, "foerderjahr"),
    ("foerderjahr-2019-spracherwerb", {"programm": SE, "foerderjahr": 2019, "betrag_cent": 100}, "foerderjahr"),
    # betrag_cent
    ("betrag-0", {"betrag_cent": 0}, "betrag_cent"),
    ("betrag-negative", {"betrag_cent": -1}, "betrag_cent"),
    ("betrag-above-cap-im", {"betrag_cent": 5_800_000_001}, "betrag_cent"),
    ("betrag-above-cap-spracherwerb", {"programm": SE, "betrag_cent": 400_000_001}, "betrag_cent"),
    ("betrag-above-cap-junge-fluechtlinge", {"programm": JF, "betrag_cent": 400_000_001}, "betrag_cent"),
    ("betrag-above-cap-ehrenamt", {"programm": EA, "betrag_cent": 400_000_001}, "betrag_cent"),
    ("betrag-im-cap-for-spracherwerb", {"programm": SE, "betrag_cent": 5_800_000_000}, "betrag_cent"),
]


@pytest.mark.parametrize(("changes", "field"), [(c, f) for _, c, f in BAD], ids=[i for i, _, _ in BAD])
def test_one_bad_field_is_reported_by_name(changes, field):
    violations = check(**changes)
    assert [v.field for v in violations] == [field]
    assert violations[0].description.strip()


def test_at_least_30_distinct_bad_inputs():
    assert len({repr(sorted(c.items())) for _, c, _ in BAD}) >= 30


def test_several_violations_are_reported_together():
    violations = check(request_id="", antragsteller_ags="0811", programm=0, foerderjahr=2016, betrag_cent=0)
    # With no programme, the year cannot be checked: four fields, each once.
    assert sorted(v.field for v in violations) == ["antragsteller_ags", "betrag_cent", "programm", "request_id"]


def test_year_and_amount_are_checked_against_the_chosen_programme_together():
    violations = check(
        request_id="antrag/1", antragsteller_ags="09162000", programm=SE, foerderjahr=2019, betrag_cent=400_000_001
    )
    assert sorted(v.field for v in violations) == [
        "antragsteller_ags",
        "betrag_cent",
        "foerderjahr",
        "request_id",
    ]


def test_descriptions_are_german():
    by_field = {
        v.field: v.description
        for v in check(request_id="", antragsteller_ags="09162000", foerderjahr=2019, betrag_cent=5_800_000_001)
    }
    assert "fehlt" in by_field["request_id"]
    assert "Baden-Württemberg" in by_field["antragsteller_ags"]
    assert "Förderjahre: 2017, 2018" in by_field["foerderjahr"]
    assert "Jahresvolumen" in by_field["betrag_cent"]
    assert "5800000000" in by_field["betrag_cent"]
    assert check(programm=0)[0].description == "fehlt"
    assert "größer als 0" in check(betrag_cent=0)[0].description
    assert "Förderprogramm" in check(programm=99)[0].description
    assert "Gemeindeschlüssel" in check(antragsteller_ags="0811100")[0].description
