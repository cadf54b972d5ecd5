"""Reference data: the Gemeinden and Kreise of Baden-Württemberg and the programme catalogue."""

from __future__ import annotations

from collections import Counter

import pytest

from pakt.referenzdaten import gebiete, programme


def test_1101_gemeinden_in_44_kreise():
    g = gebiete()
    assert len(g.gemeinden) == 1101
    assert len(g.kreise) == 44
    assert Counter(k.typ for k in g.kreise.values()) == {"Stadtkreis": 9, "Landkreis": 35}


def test_population_is_zensus_2022_sum_of_the_gemeinden():
    assert sum(gemeinde.population for gemeinde in gebiete().gemeinden.values()) == 11_104_040


def test_stuttgart_gemeinde_figures():
    stuttgart = gebiete().gemeinden["08111000"]
    assert (stuttgart.kreis_ags, stuttgart.population) == ("08111", 610_458)
    assert stuttgart.name.startswith("Stuttgart")


def test_every_kreis_has_a_gemeinde_and_every_gemeinde_a_kreis():
    g = gebiete()
    per_kreis = Counter(gemeinde.kreis_ags for gemeinde in g.gemeinden.values())
    assert set(per_kreis) == set(g.kreise)
    assert all(n >= 1 for n in per_kreis.values())
    for gemeinde in g.gemeinden.values():
        assert gemeinde.ags.startswith(gemeinde.kreis_ags) and len(gemeinde.ags) == 8, gemeinde


def test_every_stadtkreis_is_exactly_one_gemeinde_with_ags_kreis_000():
    g = gebiete()
    stadtkreise = sorted(k.ags for k in g.kreise.values() if k.typ == "Stadtkreis")
    assert stadtkreise == ["08111", "08121", "08211", "08212", "08221", "08222", "08231", "08311", "08421"]
    for kreis_ags in stadtkreise:
        members = [gemeinde.ags for gemeinde in g.gemeinden.values() if gemeinde.kreis_ags == kreis_ags]
        assert members == [kreis_ags + "000"], kreis_ags


@pytest.mark.parametrize(
    ("kreis_ags", "regierungsbezirk"),
    [("08111", "Stuttgart"), ("08212", "Karlsruhe"), ("08311", "Freiburg"), ("08421", "Tübingen")],
)
def test_regierungsbezirk_of_kreis(kreis_ags, regierungsbezirk):
    assert gebiete().kreise[kreis_ags].regierungsbezirk == regierungsbezirk


def test_four_regierungsbezirke_by_ags_prefix():
    by_rb = Counter(k.regierungsbezirk for k in gebiete().kreise.values())
    assert set(by_rb) == {"Stuttgart", "Karlsruhe", "Freiburg", "Tübingen"}
    for kreis in gebiete().kreise.values():
        expected = {"081": "Stuttgart", "082": "Karlsruhe", "083": "Freiburg", "084": "Tübingen"}[kreis.ags[:3]]
        assert kreis.regierungsbezirk == expected, kreis.ags


@pytest.mark.parametrize(
    ("ags", "kreis"),
    [
        ("08111000", "08111"),
        ("08115", "08115"),
        ("08115003", "08115"),
        ("08999999", None),
        ("08999", None),
        ("09162000", None),
        ("", None),
    ],
)
def test_kreis_of(ags, kreis):
    assert gebiete().kreis_of(ags) == kreis


def test_programme_catalogue():
    p = programme()
    assert set(p) == {
        "PROGRAMM_INTEGRATIONSMANAGEMENT",
        "PROGRAMM_JUNGE_FLUECHTLINGE",
        "PROGRAMM_SPRACHERWERB",
        "PROGRAMM_EHRENAMT",
    }
    assert all(d.foerderjahre == (2017, 2018) for d in p.values())
    assert all(name == d.programm for name, d in p.items())
    assert p["PROGRAMM_INTEGRATIONSMANAGEMENT"].name == "Integrationsmanagement"
    # The plausibility cap is the programme's annual volume: 58 M€ for IM, 4 M€ for the others.
    assert {name: d.hoechstbetrag_cent for name, d in p.items()} == {
        "PROGRAMM_INTEGRATIONSMANAGEMENT": 5_800_000_000,
        "PROGRAMM_JUNGE_FLUECHTLINGE": 400_000_000,
        "PROGRAMM_SPRACHERWERB": 400_000_000,
        "PROGRAMM_EHRENAMT": 400_000_000,
    }
