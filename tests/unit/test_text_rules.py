"""The characters a free text may not contain (pakt/platform/errors.py), and that every service's
free-text fields are checked with them: control characters (C0 but tab and line breaks in
multi-line texts, DEL, C1), controls of the writing direction, Unicode line and paragraph
separators, noncharacters; single-line fields have no line break and no tab. A violation names
the field and the code point, never the rest of the value."""

from __future__ import annotations

from datetime import date

import pytest

from pakt.allocation.v1.allocation_pb2 import (
    ApplyUmverteilungRequest,
    ErhebungKopf,
    Parameter,
    ParameterArt,
    SetParameterRequest,
    Tranche,
)
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.caseplan.v1 import caseplan_pb2 as cpb
from pakt.platform.errors import InvalidArgument
from pakt.platform.validation import Violations, character_problem
from pakt.referenzdaten import gebiete, programme
from services.allocation.domain import check_umverteilung, parameter_version
from services.allocation.erhebung_datei import check_kopf, parse_erhebung
from services.antrag import domain
from services.caseplan.domain import Pruefung
from tests.antraege import submission

STEUERZEICHEN = "enthält ein unzulässiges Steuerzeichen ({})"
C0 = [c for c in map(chr, range(0x20)) if c not in "\t\n\r"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = [chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))]
NONCHARACTERS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
    chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF)
]


def text_violations(value: str, *, single_line: bool) -> list[tuple[str, str]]:
    v = Violations()
    v.text(value, "feld", required=True, single_line=single_line)
    return [(x.field, x.description) for x in v.items]


@pytest.mark.parametrize("char", [*C0, "\x7f", *C1, *BIDI], ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_are_refused_by_code_point_in_any_text(char):
    expected = STEUERZEICHEN.format(f"U+{ord(char):04X}")
    if char in "\x0b\x0c\x85":
        # Line breaks of other kinds: in a single line they are named as line breaks.
        assert text_violations(f"Erika{char}Muster", single_line=False) == [("feld", expected)]
        return
    for single_line in (False, True):
        assert text_violations(f"Erika{char}Muster", single_line=single_line) == [("feld", expected)]


@pytest.mark.parametrize("char", NONCHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_noncharacters_are_refused(char):
    code = f"U+{ord(char):04X}"
    assert character_problem(f"a{char}", single_line=False) == f"enthält ein unzulässiges Nichtzeichen ({code})"


@pytest.mark.parametrize("char", ["\u2028", "\u2029"])
def test_unicode_line_and_paragraph_separators_are_refused_in_any_text(char):
    code = f"U+{ord(char):04X}"
    assert character_problem(f"a{char}b", single_line=False) == (
        f"enthält ein unzulässiges Trennzeichen ({code}); Zeilen bitte mit einem Zeilenumbruch trennen"
    )
    assert character_problem(f"a{char}b", single_line=True) == (
        f"enthält einen Zeilenumbruch ({code}); erlaubt ist nur eine Zeile"
    )


def test_a_multi_line_text_keeps_tab_and_line_breaks():
    assert text_violations("Erstgespräch:\n\t- Sprachkurs B1\r\n\t- Wohnung", single_line=False) == []


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("\n", "enthält einen Zeilenumbruch (U+000A); erlaubt ist nur eine Zeile"),
        ("\r", "enthält einen Zeilenumbruch (U+000D); erlaubt ist nur eine Zeile"),
        ("\x0b", "enthält einen Zeilenumbruch (U+000B); erlaubt ist nur eine Zeile"),
        ("\x85", "enthält einen Zeilenumbruch (U+0085); erlaubt ist nur eine Zeile"),
        ("\t", "enthält ein unzulässiges Steuerzeichen (U+0009)"),
    ],
)
def test_a_single_line_field_has_no_line_break_and_no_tab(char, expected):
    assert text_violations(f"Erika{char}Muster", single_line=True) == [("feld", expected)]


@pytest.mark.parametrize(
    "value",
    [
        "Jürgen Weiß-Öztürk",
        "محمد الأحمد",  # right-to-left script itself is text, only the overrides are not
        "שרה לוי",
        "Zoë\u00a0O\u2019Brien",  # no-break space, typographic apostrophe
        "Familie 👨\u200d👩\u200d👧",  # zero-width joiner inside an emoji
        "Kosten 1.200 €; Träger: „Caritas“",
    ],
)
def test_what_people_write_passes(value):
    assert text_violations(value, single_line=True) == []
    assert text_violations(value, single_line=False) == []


def test_the_rest_of_the_value_is_never_echoed():
    for value in ("Erika\u202eMuster", "Erika\nMuster", "Erika\x00Muster", "Erika\ufffeMuster"):
        ((_, description),) = text_violations(value, single_line=True)
        assert "Erika" not in description and "Muster" not in description


# -- every service's free-text fields ------------------------------------------------------------------


def antrag_fields(**overrides) -> set[str]:
    with pytest.raises(InvalidArgument) as err:
        domain.validate_submission(submission(**overrides), gebiete(), programme())
    return {v.field for v in err.value.violations}


def test_antrag_submission_texts():
    assert antrag_fields(traeger_name="Caritas\u202e e.V.") == {"traeger_name"}
    assert antrag_fields(traeger_name="Caritas\ne.V.") == {"traeger_name"}
    assert antrag_fields(ansprechperson=pb.Ansprechperson(name="Erika\u2028Muster", email="a@b.de")) == {
        "ansprechperson.name"
    }
    bidi_email = pb.Ansprechperson(name="Erika Muster", email="erika\u202e@stuttgart.de")
    assert antrag_fields(ansprechperson=bidi_email) == {"ansprechperson.email"}
    assert antrag_fields(begruendung="Zwei Stellen\x85für Feuerbach") == {"begruendung"}
    assert antrag_fields(begruendung="Zwei Stellen\u2066") == {"begruendung"}
    domain.validate_submission(submission(begruendung="Zwei Stellen:\n- Cannstatt\n- Feuerbach"), gebiete(), programme())


def test_an_email_address_with_a_bidi_override_names_the_code_point_not_the_address():
    with pytest.raises(InvalidArgument) as err:
        domain.validate_submission(
            submission(ansprechperson=pb.Ansprechperson(name="Erika Muster", email="erika\u202e@stuttgart.de")),
            gebiete(), programme(),
        )
    (v,) = err.value.violations
    assert v.description == "enthält ein unzulässiges Steuerzeichen (U+202E)"


def caseplan_fields(check) -> set[str]:
    p = Pruefung()
    check(p)
    return {v.field for v in p.items}


def test_caseplan_person_and_goal_texts():
    heute = date(2024, 5, 1)
    person = cpb.Person(
        name="Amina\u202eK.", geburtsdatum="1990-01-01", staatsangehoerigkeit="syrisch\n",
        sprachen=["Arabisch", "Deutsch\t"], haushalt="Ehemann,\u2029zwei Kinder", entwicklung="B1 bestanden\x9b",
        schulbildung="Abitur in Aleppo\nStudium abgebrochen",
    )
    assert caseplan_fields(lambda p: p.person(person, heute)) == {
        "person.name", "person.staatsangehoerigkeit", "person.sprachen[1]", "person.haushalt", "person.entwicklung"
    }
    ziel = cpb.Ziel(
        feld=cpb.ZIELFELD_SPRACHE, beschreibung="B1\u200f", massnahmen="Kurs\nPrüfung", verantwortlich="IM\nFrau K."
    )
    assert caseplan_fields(lambda p: p.ziel(ziel)) == {"ziel.beschreibung", "ziel.verantwortlich"}


def test_allocation_quellen_and_dateiname():
    def parameter(quelle: str) -> set[str]:
        request = SetParameterRequest(request_id="r-1", parameter=Parameter(
            art=ParameterArt.PARAMETER_ART_BUDGET, programm=1, foerderjahr=2018, tranche=Tranche.TRANCHE_ENDGUELTIG,
            betrag_cent=1, gueltig_ab="2018-01-01", quelle=quelle,
        ))
        try:
            parameter_version(request)
        except InvalidArgument as err:
            return {v.field for v in err.violations}
        return set()

    assert parameter("Haushaltsbeschluss 2018") == set()
    assert parameter("Haushaltsbeschluss\u202e 2018") == {"parameter.quelle"}
    assert parameter("Haushaltsbeschluss\n2018") == {"parameter.quelle"}

    with pytest.raises(InvalidArgument) as err:
        request = ApplyUmverteilungRequest(request_id="r-2", programm=1, foerderjahr=2017, quelle="Beschluss\x85")
        check_umverteilung(request.programm, request.foerderjahr, request.request_id, request.quelle)
    assert [v.field for v in err.value.violations] == ["quelle"]

    kopf = ErhebungKopf(
        request_id="r-3", stichtag="2017-06-30", art=2, quelle="Erhebung\u2028Stand", dateiname="a\u202ecsv.exe"
    )
    assert [v.field for v in check_kopf(kopf)[1]] == ["kopf.quelle", "kopf.dateiname"]


def test_an_erhebung_line_with_a_bidi_override_is_named_not_echoed():
    lines = [f"{ags};1" for ags in sorted(gebiete().gemeinden)]
    ags = lines[5].split(";")[0]
    lines[5] = f"{ags};\u202e21"
    with pytest.raises(InvalidArgument) as err:
        parse_erhebung(lines, gebiete().gemeinden)
    assert err.value.violations[0].field == "zeile 6"
    assert err.value.violations[0].description == "enthält ein unzulässiges Steuerzeichen (U+202E)"
