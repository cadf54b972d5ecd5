"""Validation in the antrag domain: every bad field is reported by its path, in German; plus the
status machine's messages and the settlement of a Verwendungsnachweis."""

from __future__ import annotations

from datetime import date

import pytest

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.antrag_pb2 import AntragStatus, Schritt
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform.errors import InvalidArgument
from pakt.referenzdaten import gebiete, programme
from services.antrag import domain
from tests.antraege import (
    AICHWALD, ALTBACH, BAD_BOLL, DENKENDORF, ESSLINGEN, ESSLINGEN_KREIS, IM, SPRACHERWERB, STUTTGART, submission,
)

S = AntragStatus
JF = Programm.PROGRAMM_JUNGE_FLUECHTLINGE
EA = Programm.PROGRAMM_EHRENAMT
HOCHSCHULE = pb.QUALIFIKATION_HOCHSCHULABSCHLUSS_SOZIALWESEN
EIGENREGIE, DRITTE = pb.TRAEGERSCHAFT_EIGENREGIE, pb.TRAEGERSCHAFT_DRITTE
STUTTGART_KREIS = "08111"  # Stadtkreis
ALB_DONAU = sorted(a for a in gebiete().gemeinden if a.startswith("08425"))  # 55 Gemeinden
EMAIL_200 = "a" * 64 + "@" + "b" * 132 + ".de"


def contact(**overrides) -> pb.Ansprechperson:
    return pb.Ansprechperson(**{"name": "Erika Muster", "email": "integration@stuttgart.example", **overrides})


def stellen(*specs: tuple[int, int]) -> list[pb.Stelle]:
    return [pb.Stelle(vzae_hundertstel=v, qualifikation=q) for v, q in specs]


def mitglieder(*specs: tuple[str, int]) -> list[pb.Kooperationsmitglied]:
    return [pb.Kooperationsmitglied(ags=a, anteil_prozent=p) for a, p in specs]


def joint(*specs: tuple[str, int], lead: str = ESSLINGEN) -> dict:
    """Overrides for a Kooperation led by lead."""
    return {"antragsteller_ags": lead, "mitglieder": mitglieder(*specs)}


def violations(request: pb.SubmitAntragRequest) -> list:
    with pytest.raises(InvalidArgument) as exc:
        domain.validate_submission(request, gebiete(), programme())
    return exc.value.violations


def fields(request: pb.SubmitAntragRequest) -> list[str]:
    return sorted(v.field for v in violations(request))


VALID = {
    "im-dritte-with-positions": {},
    "im-eigenregie-without-traeger": {"traegerschaft": EIGENREGIE, "traeger_name": ""},
    "spracherwerb-without-positions": {"programm": SPRACHERWERB},
    "junge-fluechtlinge": {"programm": JF, "betrag_cent": 4_000_000_00},
    "ehrenamt-2018": {"programm": EA, "foerderjahr": 2018, "beginn": "2018-01-01", "ende": "2018-12-31"},
    "landkreis": {"antragsteller_ags": ESSLINGEN_KREIS},
    "stadtkreis-5-digits": {"antragsteller_ags": STUTTGART_KREIS},
    "kooperation-same-kreis": joint((ALTBACH, 20), (AICHWALD, 25)),
    "kooperation-shares-99": joint((ALTBACH, 50), (AICHWALD, 30), (DENKENDORF, 19)),
    "kooperation-one-member-99": joint((ALTBACH, 99)),
    "kooperation-50-members": joint(*[(a, 1) for a in ALB_DONAU[1:51]], lead=ALB_DONAU[0]),
    "foerderjahr-edges": {"beginn": "2017-01-01", "ende": "2017-12-31"},
    "one-day": {"beginn": "2017-12-31", "ende": "2017-12-31"},
    "leap-day": {"programm": SPRACHERWERB, "foerderjahr": 2018, "beginn": "2018-02-28", "ende": "2018-02-28"},
    "betrag-1-cent": {"betrag_cent": 1},
    "betrag-im-cap": {"betrag_cent": 58_000_000_00},
    "vzae-1-and-100": {"stellen": stellen((1, HOCHSCHULE), (100, pb.QUALIFIKATION_ANDERER_GEEIGNETER_STUDIENGANG))},
    "50-positions": {"stellen": stellen(*[(100, HOCHSCHULE)] * 50)},
    "request_id-100-chars": {"request_id": "a" * 100},
    "request_id-all-allowed-chars": {"request_id": "kommune.08111000:antrag_2017-1"},
    "max-lengths": {
        "traeger_name": "T" * 200,
        "ansprechperson": contact(name="N" * 200, email=EMAIL_200, telefon="+" + "4" * 29),
        "begruendung": "B" * 5000,
    },
    "without-telefon": {"ansprechperson": contact()},
    "telefon-30-digits": {"ansprechperson": contact(telefon="0" * 30)},
    "telefon-punctuation": {"ansprechperson": contact(telefon="+49 (711) 216/60-0")},
    "begruendung-with-tabs-and-lines": {"begruendung": "Zwei Stellen:\n\t- Bad Cannstatt\r\n\t- Feuerbach"},
    "umlauts": {"traeger_name": "Arbeiterwohlfahrt Göppingen", "ansprechperson": contact(name="Jürgen Weiß")},
}


@pytest.mark.parametrize("overrides", VALID.values(), ids=VALID.keys())
def test_valid_submission_passes(overrides):
    domain.validate_submission(submission(**overrides), gebiete(), programme())


BAD = [
    # request_id
    ("request_id-missing", {"request_id": ""}, ["request_id"]),
    ("request_id-101-chars", {"request_id": "a" * 101}, ["request_id"]),
    ("request_id-space", {"request_id": "antrag 1"}, ["request_id"]),
    ("request_id-slash", {"request_id": "antrag/1"}, ["request_id"]),
    ("request_id-umlaut", {"request_id": "anträg-1"}, ["request_id"]),
    ("request_id-newline", {"request_id": "antrag-1\n"}, ["request_id"]),
    # antragsteller_ags
    ("ags-missing", {"antragsteller_ags": ""}, ["antragsteller_ags"]),
    ("ags-7-digits", {"antragsteller_ags": "0811100"}, ["antragsteller_ags"]),
    ("ags-letters", {"antragsteller_ags": "O8111OOO"}, ["antragsteller_ags"]),
    ("ags-newline", {"antragsteller_ags": "08111000\n"}, ["antragsteller_ags"]),
    ("ags-unknown-gemeinde", {"antragsteller_ags": "08999999"}, ["antragsteller_ags"]),
    ("ags-unknown-kreis", {"antragsteller_ags": "08999"}, ["antragsteller_ags"]),
    ("ags-bavaria", {"antragsteller_ags": "09162000"}, ["antragsteller_ags"]),
    # programm, foerderjahr, betrag_cent
    ("programm-missing", {"programm": 0}, ["programm"]),
    ("programm-unknown", {"programm": 99}, ["programm"]),
    ("programm-negative", {"programm": -1}, ["programm"]),
    ("foerderjahr-2016", {"foerderjahr": 2016}, ["foerderjahr"]),
    ("foerderjahr-2019", {"foerderjahr": 2019}, ["foerderjahr"]),
    ("foerderjahr-missing", {"foerderjahr": 0}, ["foerderjahr"]),
    ("betrag-0", {"betrag_cent": 0}, ["betrag_cent"]),
    ("betrag-negative", {"betrag_cent": -1}, ["betrag_cent"]),
    ("betrag-above-im-cap", {"betrag_cent": 58_000_000_01}, ["betrag_cent"]),
    ("betrag-above-spracherwerb-cap", {"programm": SPRACHERWERB, "betrag_cent": 4_000_000_01}, ["betrag_cent"]),
    # beginn, ende
    ("beginn-missing", {"beginn": ""}, ["beginn"]),
    ("ende-missing", {"ende": ""}, ["ende"]),
    ("dates-missing", {"beginn": "", "ende": ""}, ["beginn", "ende"]),
    ("beginn-month-13", {"beginn": "2017-13-01"}, ["beginn"]),
    ("beginn-two-digit-year", {"beginn": "17-01-01"}, ["beginn"]),
    ("beginn-no-padding", {"beginn": "2017-1-1"}, ["beginn"]),
    ("beginn-february-30", {"beginn": "2017-02-30"}, ["beginn"]),
    ("beginn-german-format", {"beginn": "01.07.2017"}, ["beginn"]),
    ("beginn-iso-week", {"beginn": "2017-W27-1"}, ["beginn"]),
    ("beginn-basic-format-padded", {"beginn": "20170701  "}, ["beginn"]),
    ("ende-with-time", {"ende": "2017-12-31T00:00"}, ["ende"]),
    ("beginn-before-foerderjahr", {"beginn": "2016-12-31"}, ["beginn"]),
    ("ende-after-foerderjahr", {"ende": "2018-01-01"}, ["ende"]),
    ("dates-in-other-year", {"foerderjahr": 2018}, ["beginn", "ende"]),
    ("ende-before-beginn", {"beginn": "2017-07-01", "ende": "2017-06-30"}, ["ende"]),
    # stellen
    ("im-without-positions", {"stellen": []}, ["stellen"]),
    ("positions-for-spracherwerb", {"programm": SPRACHERWERB, "stellen": stellen((100, HOCHSCHULE))}, ["stellen"]),
    ("51-positions", {"stellen": stellen(*[(100, HOCHSCHULE)] * 51)}, ["stellen"]),
    ("vzae-0", {"stellen": stellen((100, HOCHSCHULE), (0, HOCHSCHULE))}, ["stellen[1].vzae_hundertstel"]),
    ("vzae-101", {"stellen": stellen((101, HOCHSCHULE))}, ["stellen[0].vzae_hundertstel"]),
    ("vzae-negative", {"stellen": stellen((-50, HOCHSCHULE))}, ["stellen[0].vzae_hundertstel"]),
    ("qualifikation-missing", {"stellen": stellen((100, HOCHSCHULE), (50, 0))}, ["stellen[1].qualifikation"]),
    ("qualifikation-unknown", {"stellen": stellen((100, 99))}, ["stellen[0].qualifikation"]),
    ("stelle-empty", {"stellen": [pb.Stelle()]}, ["stellen[0].qualifikation", "stellen[0].vzae_hundertstel"]),
    # traegerschaft
    ("traegerschaft-missing", {"traegerschaft": 0}, ["traegerschaft"]),
    ("traegerschaft-unknown", {"traegerschaft": 99}, ["traegerschaft"]),
    ("dritte-without-name", {"traeger_name": ""}, ["traeger_name"]),
    ("dritte-blank-name", {"traeger_name": "   "}, ["traeger_name"]),
    ("dritte-name-201-chars", {"traeger_name": "T" * 201}, ["traeger_name"]),
    ("dritte-name-control-char", {"traeger_name": "Caritas\x00"}, ["traeger_name"]),
    ("eigenregie-with-name", {"traegerschaft": EIGENREGIE}, ["traeger_name"]),
    # ansprechperson
    ("contact-missing", {"ansprechperson": None}, ["ansprechperson.email", "ansprechperson.name"]),
    ("name-missing", {"ansprechperson": contact(name="")}, ["ansprechperson.name"]),
    ("name-blank", {"ansprechperson": contact(name=" \t ")}, ["ansprechperson.name"]),
    ("name-201-chars", {"ansprechperson": contact(name="N" * 201)}, ["ansprechperson.name"]),
    ("name-control-char", {"ansprechperson": contact(name="Erika\x07Muster")}, ["ansprechperson.name"]),
    ("name-escape-sequence", {"ansprechperson": contact(name="\x1b[31mErika")}, ["ansprechperson.name"]),
    ("email-missing", {"ansprechperson": contact(email="")}, ["ansprechperson.email"]),
    ("email-without-at", {"ansprechperson": contact(email="erika.muster")}, ["ansprechperson.email"]),
    ("email-without-domain", {"ansprechperson": contact(email="erika@")}, ["ansprechperson.email"]),
    ("email-without-local-part", {"ansprechperson": contact(email="@stuttgart.de")}, ["ansprechperson.email"]),
    ("email-without-tld", {"ansprechperson": contact(email="erika@stuttgart")}, ["ansprechperson.email"]),
    ("email-two-ats", {"ansprechperson": contact(email="erika@muster@stuttgart.de")}, ["ansprechperson.email"]),
    ("email-space", {"ansprechperson": contact(email="erika muster@stuttgart.de")}, ["ansprechperson.email"]),
    ("email-201-chars", {"ansprechperson": contact(email="a" + EMAIL_200)}, ["ansprechperson.email"]),
    ("email-local-part-65", {"ansprechperson": contact(email="a" * 65 + "@stuttgart.de")}, ["ansprechperson.email"]),
    ("email-nul", {"ansprechperson": contact(email="erika\x00@stuttgart.de")}, ["ansprechperson.email"]),
    ("email-control-char", {"ansprechperson": contact(email="erika\x01@stuttgart.de")}, ["ansprechperson.email"]),
    ("telefon-letters", {"ansprechperson": contact(telefon="null-sieben-elf")}, ["ansprechperson.telefon"]),
    ("telefon-4-chars", {"ansprechperson": contact(telefon="0711")}, ["ansprechperson.telefon"]),
    ("telefon-31-digits", {"ansprechperson": contact(telefon="0" * 31)}, ["ansprechperson.telefon"]),
    ("telefon-plus-and-30-digits", {"ansprechperson": contact(telefon="+" + "4" * 30)}, ["ansprechperson.telefon"]),
    ("telefon-extension", {"ansprechperson": contact(telefon="0711 216-0 Durchwahl 5")}, ["ansprechperson.telefon"]),
    # begruendung
    ("begruendung-missing", {"begruendung": ""}, ["begruendung"]),
    ("begruendung-whitespace", {"begruendung": " \n\t "}, ["begruendung"]),
    ("begruendung-5001-chars", {"begruendung": "B" * 5001}, ["begruendung"]),
    ("begruendung-nul", {"begruendung": "Zwei Stellen\x00"}, ["begruendung"]),
    ("begruendung-delete-char", {"begruendung": "Zwei Stellen\x7f"}, ["begruendung"]),
    # mitglieder
    ("member-ags-missing", joint(("", 10)), ["mitglieder[0].ags"]),
    ("member-unknown", joint((ALTBACH, 10), ("08116999", 10)), ["mitglieder[1].ags"]),
    ("member-is-a-kreis", joint((ESSLINGEN_KREIS, 10)), ["mitglieder[0].ags"]),
    ("member-is-the-lead", joint((ESSLINGEN, 10)), ["mitglieder[0].ags"]),
    ("member-twice", joint((ALTBACH, 10), (AICHWALD, 10), (ALTBACH, 10)), ["mitglieder[2].ags"]),
    ("member-other-kreis", joint((ALTBACH, 10), (BAD_BOLL, 10)), ["mitglieder[1].ags"]),
    ("member-of-a-stadtkreis-lead", joint((ESSLINGEN, 10), lead=STUTTGART), ["mitglieder[0].ags"]),
    ("share-0", joint((ALTBACH, 0)), ["mitglieder[0].anteil_prozent"]),
    ("share-negative", joint((ALTBACH, 10), (AICHWALD, -5)), ["mitglieder[1].anteil_prozent"]),
    ("share-100", joint((ALTBACH, 100)), ["mitglieder", "mitglieder[0].anteil_prozent"]),
    ("shares-sum-100", joint((ALTBACH, 50), (AICHWALD, 50)), ["mitglieder"]),
    ("shares-sum-above-100", joint((ALTBACH, 60), (AICHWALD, 30), (DENKENDORF, 20)), ["mitglieder"]),
    ("landkreis-as-lead", joint((ALTBACH, 10), lead=ESSLINGEN_KREIS), ["mitglieder"]),
    ("stadtkreis-as-lead", joint((ESSLINGEN, 10), lead=STUTTGART_KREIS), ["mitglieder"]),
    ("51-members", joint(*[(a, 1) for a in ALB_DONAU[1:52]], lead=ALB_DONAU[0]), ["mitglieder"]),
]


@pytest.mark.parametrize(("overrides", "expected"), [(o, e) for _, o, e in BAD], ids=[i for i, _, _ in BAD])
def test_bad_input_names_exactly_its_fields(overrides, expected):
    found = violations(submission(**overrides))
    assert sorted(v.field for v in found) == sorted(expected)
    assert all(v.description.strip() for v in found)


def test_bad_inputs_are_distinct_and_many():
    assert len(BAD) >= 40
    assert len({i for i, _, _ in BAD}) == len(BAD)


def test_several_violations_are_reported_together():
    request = submission(
        request_id="",
        antragsteller_ags=ESSLINGEN,
        betrag_cent=0,
        beginn="2017-13-01",
        ende="2018-01-01",
        stellen=stellen((100, HOCHSCHULE), (0, 99)),
        traegerschaft=EIGENREGIE,
        ansprechperson=contact(email="erika", telefon="x"),
        begruendung=" ",
        mitglieder=mitglieder((BAD_BOLL, 0), (ALTBACH, 10)),
    )
    assert fields(request) == [
        "ansprechperson.email", "ansprechperson.telefon", "beginn", "begruendung", "betrag_cent", "ende",
        "mitglieder[0].ags", "mitglieder[0].anteil_prozent", "request_id", "stellen[1].qualifikation",
        "stellen[1].vzae_hundertstel", "traeger_name",
    ]


def test_without_a_valid_programme_year_and_cap_are_not_judged():
    # Neither the year nor the amount can be checked against an unknown programme.
    assert fields(submission(programm=99, foerderjahr=2030, betrag_cent=10**15, beginn="2030-01-01", ende="2030-12-31")) == [
        "programm"
    ]


def test_descriptions_are_german():
    found = violations(submission(
        request_id="",
        antragsteller_ags="09162000",
        foerderjahr=2019,
        betrag_cent=58_000_000_01,
        beginn="2017-13-01",
        stellen=stellen((0, 0)),
        traegerschaft=0,
        ansprechperson=contact(name="", email="erika"),
        begruendung="x" * 5001,
    ))
    by_field = {v.field: v.description for v in found}
    assert by_field == {
        "request_id": "fehlt: jeder ändernde Aufruf braucht einen Idempotenzschlüssel",
        "antragsteller_ags": "09162000 ist keine Gemeinde und kein Kreis in Baden-Württemberg",
        "foerderjahr": "2019 liegt außerhalb des Programms (Förderjahre: 2017, 2018)",
        "betrag_cent": "58.000.000,01 € übersteigt das gesamte Jahresvolumen des Programms (58.000.000,00 €)",
        "beginn": "„2017-13-01“ ist kein Datum im Format JJJJ-MM-TT",
        "stellen[0].vzae_hundertstel": (
            "Stellenanteil in Hundertstel einer Vollzeitstelle: 1 bis 100 (100 = eine volle Stelle)"
        ),
        "stellen[0].qualifikation": "fehlt",
        "traegerschaft": "fehlt: Eigenregie oder durch Dritte",
        "ansprechperson.name": "fehlt",
        "ansprechperson.email": "„erika“ ist keine E-Mail-Adresse",
        "begruendung": "höchstens 5000 Zeichen (sind 5001)",
    }
    ende = violations(submission(beginn="2017-07-01", ende="2017-06-30"))[0].description
    assert ende == "2017-06-30 liegt vor dem Beginn 2017-07-01"
    other_kreis = violations(submission(**joint((BAD_BOLL, 10))))[0].description
    assert other_kreis == f"{BAD_BOLL} gehört nicht zum Kreis der federführenden Kommune ({ESSLINGEN_KREIS})"


# -- Übertragung ----------------------------------------------------------------------------------


def uebertragung(**overrides) -> tuple[date, date]:
    args = {"request_id": "u-1", "gemeinde_ags": ALTBACH, "programm": IM, "beginn": "2017-04-01", "ende": "2018-12-31"}
    return domain.validate_uebertragung(**{**args, **overrides}, gebiete=gebiete(), programme=programme())


def test_valid_uebertragung_returns_its_period():
    assert uebertragung() == (date(2017, 4, 1), date(2018, 12, 31))
    assert uebertragung(beginn="2017-01-01", ende="2017-01-01") == (date(2017, 1, 1), date(2017, 1, 1))


BAD_UEBERTRAGUNG = [
    ("request_id-missing", {"request_id": ""}, ["request_id"]),
    ("request_id-space", {"request_id": "u 1"}, ["request_id"]),
    ("gemeinde-missing", {"gemeinde_ags": ""}, ["gemeinde_ags"]),
    ("gemeinde-unknown", {"gemeinde_ags": "08116999"}, ["gemeinde_ags"]),
    ("gemeinde-is-a-kreis", {"gemeinde_ags": ESSLINGEN_KREIS}, ["gemeinde_ags"]),
    ("gemeinde-in-stadtkreis", {"gemeinde_ags": STUTTGART}, ["gemeinde_ags"]),
    ("programm-missing", {"programm": 0}, ["programm"]),
    ("programm-spracherwerb", {"programm": SPRACHERWERB}, ["programm"]),
    ("programm-unknown", {"programm": 99}, ["programm"]),
    ("beginn-missing", {"beginn": ""}, ["beginn"]),
    ("beginn-malformed", {"beginn": "2017-4-1"}, ["beginn"]),
    ("ende-malformed", {"ende": "31.12.2018"}, ["ende"]),
    ("ende-before-beginn", {"beginn": "2017-07-01", "ende": "2017-06-30"}, ["ende"]),
    ("beginn-before-foerderjahre", {"beginn": "2016-12-31"}, ["beginn"]),
    ("ende-after-foerderjahre", {"ende": "2019-01-01"}, ["ende"]),
    ("all-wrong", {"request_id": "", "gemeinde_ags": "x", "programm": 0, "beginn": "", "ende": ""},
     ["beginn", "ende", "gemeinde_ags", "programm", "request_id"]),
]


@pytest.mark.parametrize(
    ("overrides", "expected"), [(o, e) for _, o, e in BAD_UEBERTRAGUNG], ids=[i for i, _, _ in BAD_UEBERTRAGUNG]
)
def test_bad_uebertragung_names_its_fields(overrides, expected):
    with pytest.raises(InvalidArgument) as exc:
        uebertragung(**overrides)
    assert sorted(v.field for v in exc.value.violations) == expected


# -- ListAntraege filters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        pb.ListAntraegeRequest(),
        pb.ListAntraegeRequest(
            kommune_ags=STUTTGART, kreis_ags=STUTTGART_KREIS, programm=IM, foerderjahr=2017,
            status=S.ANTRAG_STATUS_BEWILLIGT, page_size=500,
        ),
        pb.ListAntraegeRequest(kommune_ags=ESSLINGEN_KREIS, foerderjahr=2000),
    ],
    ids=["empty", "all-filters", "kreis-as-kommune"],
)
def test_valid_list_request_passes(request_):
    domain.validate_list(request_)


BAD_LIST = [
    ("kommune-4-digits", {"kommune_ags": "0811"}, ["kommune_ags"]),
    ("kommune-letters", {"kommune_ags": "Stuttgart"}, ["kommune_ags"]),
    ("kreis-8-digits", {"kreis_ags": STUTTGART}, ["kreis_ags"]),
    ("kreis-newline", {"kreis_ags": "08111\n"}, ["kreis_ags"]),
    ("programm-unknown", {"programm": 99}, ["programm"]),
    ("foerderjahr-1999", {"foerderjahr": 1999}, ["foerderjahr"]),
    ("foerderjahr-2101", {"foerderjahr": 2101}, ["foerderjahr"]),
    ("foerderjahr-negative", {"foerderjahr": -2017}, ["foerderjahr"]),
    ("status-unknown", {"status": 99}, ["status"]),
    ("page_size-negative", {"page_size": -1}, ["page_size"]),
    ("page_size-501", {"page_size": 501}, ["page_size"]),
    ("all-wrong", {"kommune_ags": "x", "kreis_ags": "y", "programm": 9, "foerderjahr": 1, "status": 99, "page_size": -1},
     ["foerderjahr", "kommune_ags", "kreis_ags", "page_size", "programm", "status"]),
]


@pytest.mark.parametrize(("overrides", "expected"), [(o, e) for _, o, e in BAD_LIST], ids=[i for i, _, _ in BAD_LIST])
def test_bad_list_request_names_its_fields(overrides, expected):
    with pytest.raises(InvalidArgument) as exc:
        domain.validate_list(pb.ListAntraegeRequest(**overrides))
    assert sorted(v.field for v in exc.value.violations) == expected


# -- status machine and settlement ---------------------------------------------------------------


def test_allowed_step_has_no_error():
    assert domain.transition_error(Schritt.SCHRITT_PRUEFUNG_BEGONNEN, S.ANTRAG_STATUS_EINGEGANGEN) is None
    assert domain.transition_error(Schritt.SCHRITT_MITTELABRUF_EINGEGANGEN, S.ANTRAG_STATUS_TEILWEISE_BEWILLIGT) is None


def test_transition_error_names_the_current_and_allowed_statuses_in_german():
    assert domain.transition_error(Schritt.SCHRITT_MITTELABRUF_EINGEGANGEN, S.ANTRAG_STATUS_EINGEGANGEN) == (
        "Mittelabruf ist im Status „eingegangen“ nicht möglich (nur im Status: bewilligt, teilweise bewilligt)."
    )
    too_late = domain.transition_error(Schritt.SCHRITT_ZURUECKGEZOGEN, S.ANTRAG_STATUS_ENTSCHEIDUNGSREIF)
    assert too_late.startswith("Rücknahme ist im Status „entscheidungsreif“ nicht möglich (nur im Status: ")
    assert all(allowed in too_late for allowed in ("eingegangen", "in Prüfung", "Nachforderung offen"))


@pytest.mark.parametrize("status", [s for s in AntragStatus.values() if s], ids=AntragStatus.Name)
def test_every_status_is_named_in_german(status):
    refused = [domain.transition_error(schritt, status) for schritt in domain.ERLAUBT_AB]
    assert all("ANTRAG_STATUS" not in message for message in refused if message)


@pytest.mark.parametrize(
    "status", [S.ANTRAG_STATUS_ABGELEHNT, S.ANTRAG_STATUS_ZURUECKGEZOGEN, S.ANTRAG_STATUS_ABGESCHLOSSEN],
    ids=AntragStatus.Name,
)
def test_nothing_follows_a_final_status(status):
    assert all(domain.transition_error(schritt, status) for schritt in domain.ERLAUBT_AB)


@pytest.mark.parametrize(
    ("bewilligt", "ausgezahlt", "verwendet", "rueckforderung", "freigegeben"),
    [
        (100_000_00, 100_000_00, 87_654_32, 12_345_68, 12_345_68),
        (50_000_00, 30_000_00, 30_000_00, 0, 20_000_00),
        (50_000_00, 30_000_00, 0, 30_000_00, 50_000_00),
        (50_000_00, 0, 0, 0, 50_000_00),
        (1, 1, 1, 0, 0),
    ],
)
def test_abrechnen_accounts_for_every_cent(bewilligt, ausgezahlt, verwendet, rueckforderung, freigegeben):
    a = domain.abrechnen(bewilligt, ausgezahlt, verwendet)
    assert (a.rueckforderung_cent, a.freigegeben_cent) == (rueckforderung, freigegeben)
    assert ausgezahlt == verwendet + a.rueckforderung_cent and bewilligt == verwendet + a.freigegeben_cent


@pytest.mark.parametrize(
    ("bewilligt", "ausgezahlt", "verwendet"),
    [(100, 50, 51), (100, 101, 0), (100, 50, -1), (-1, -1, -1)],
    ids=["spent-more-than-paid", "paid-more-than-approved", "negative-spent", "all-negative"],
)
def test_abrechnen_rejects_impossible_amounts(bewilligt, ausgezahlt, verwendet):
    with pytest.raises(ValueError):
        domain.abrechnen(bewilligt, ausgezahlt, verwendet)
