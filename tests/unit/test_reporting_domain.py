"""Reporting's rules without a database: versions decide what an event changes (one by one or
folded as a batch, with the same counts), the newest event of a plan decides where it is counted
and closing is final, the questions' checks, and the rows of the figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pakt.geheimhaltung import GESPERRT, ZieleImFeld, Zelle
from pakt.platform.errors import InvalidArgument
from pakt.reporting.v1.reporting_pb2 import GLIEDERUNG_KOMMUNE, GLIEDERUNG_LANDKREIS, GLIEDERUNG_PROGRAMM
from services.reporting import domain
from services.reporting.domain import (
    PLAN_ABGESCHLOSSEN,
    PLAN_OFFEN,
    Antragssummen,
    Plan,
)

SINDELFINGEN, ESSLINGEN = "08115045", "08116019"


def test_only_a_newer_version_changes_a_row():
    assert domain.neuer(None, 1)
    assert domain.neuer(3, 4)
    assert not domain.neuer(4, 4)  # the same event again
    assert not domain.neuer(4, 3)  # an older one, late


def test_events_without_a_producer_are_counted_all_the_same():
    assert domain.erzeuger("antrag") == "antrag"
    assert domain.erzeuger("") == "unbekannt"


def test_a_plan_is_counted_where_its_newest_event_says():
    eroeffnet = domain.plan_nach(None, SINDELFINGEN, 10, abgeschlossen=False)
    assert eroeffnet == Plan(10, SINDELFINGEN, "08115", PLAN_OFFEN)
    uebergeben = domain.plan_nach(eroeffnet, ESSLINGEN, 20, abgeschlossen=False)
    assert uebergeben == Plan(20, ESSLINGEN, "08116", PLAN_OFFEN)
    # The same event again, and an older one naming the old Kommune: nothing changes.
    assert domain.plan_nach(uebergeben, ESSLINGEN, 20, abgeschlossen=False) is None
    assert domain.plan_nach(uebergeben, SINDELFINGEN, 15, abgeschlossen=False) is None
    # A newer event in the same Kommune only moves the version on.
    assert domain.plan_nach(uebergeben, ESSLINGEN, 21, abgeschlossen=False) == Plan(21, ESSLINGEN, "08116", PLAN_OFFEN)


def test_closing_is_final_whenever_its_event_arrives():
    offen = Plan(20, ESSLINGEN, "08116", PLAN_OFFEN)
    # Closed by an event older than the plan's newest: closed, still counted where the newest says.
    assert domain.plan_nach(offen, SINDELFINGEN, 15, abgeschlossen=True) == Plan(20, ESSLINGEN, "08116", PLAN_ABGESCHLOSSEN)
    geschlossen = domain.plan_nach(None, ESSLINGEN, 30, abgeschlossen=True)
    assert geschlossen.status == PLAN_ABGESCHLOSSEN
    assert domain.plan_nach(geschlossen, ESSLINGEN, 10, abgeschlossen=False) is None  # its opening, late
    assert domain.plan_nach(geschlossen, ESSLINGEN, 30, abgeschlossen=True) is None


def test_the_kreis_of_a_gemeinde_a_kreis_and_an_unknown_key():
    assert domain.kreis(SINDELFINGEN) == "08115"
    assert domain.kreis("08115") == "08115"  # a Landkreis running Integrationsmanagement itself
    assert domain.kreis("08999123") == "08999"  # unknown to this build: counted, not dropped
    assert domain.name("08115") == "Böblingen"
    assert domain.name("08999123") == "08999123"


def _fields(check, *args) -> list[str]:
    with pytest.raises(InvalidArgument) as raised:
        check(*args)
    return [v.field for v in raised.value.violations]


def test_the_questions_name_the_fields_they_cannot_answer():
    domain.pruefe_auslastung(GLIEDERUNG_LANDKREIS, 0)
    domain.pruefe_auslastung(GLIEDERUNG_PROGRAMM, 2017)
    assert _fields(domain.pruefe_auslastung, GLIEDERUNG_KOMMUNE, 1999) == ["by", "foerderjahr"]
    domain.pruefe_integrationsmanagement(GLIEDERUNG_LANDKREIS, "")
    domain.pruefe_integrationsmanagement(GLIEDERUNG_KOMMUNE, "08115")
    assert _fields(domain.pruefe_integrationsmanagement, GLIEDERUNG_PROGRAMM, "") == ["by"]
    assert _fields(domain.pruefe_integrationsmanagement, GLIEDERUNG_KOMMUNE, "") == ["kreis_ags"]
    assert _fields(domain.pruefe_integrationsmanagement, GLIEDERUNG_KOMMUNE, SINDELFINGEN) == ["kreis_ags"]
    assert _fields(domain.pruefe_integrationsmanagement, GLIEDERUNG_KOMMUNE, "08999") == ["kreis_ags"]
    assert _fields(domain.pruefe_integrationsmanagement, GLIEDERUNG_LANDKREIS, "08115") == ["kreis_ags"]


def test_the_utilisation_has_a_row_for_every_kreis_and_programme_zeros_included():
    kreise = domain.auslastung(GLIEDERUNG_LANDKREIS, {"08115": 400_00}, {"08115": Antragssummen(500_00, 250_00, 300_00, 1)})
    assert len(kreise) == 44
    by_key = {z.key: z for z in kreise}
    assert by_key["08115"] == domain.Zeile("08115", "Böblingen", 400_00, 500_00, 250_00, 300_00, 1)
    assert by_key["08111"] == domain.Zeile("08111", by_key["08111"].name, 0, 0, 0, 0, 0)
    programme = domain.auslastung(GLIEDERUNG_PROGRAMM, {"PROGRAMM_SPRACHERWERB": 7}, {})
    assert {z.key: z.planungsrahmen_cent for z in programme}["PROGRAMM_SPRACHERWERB"] == 7
    assert len(programme) == 4


def test_integrationsmanagement_withholds_small_cells_and_their_complements():
    offen = [("08115", "08115003", 6), ("08115", SINDELFINGEN, 2), ("08115", "08115028", 5), ("08116", ESSLINGEN, 7)]
    land = domain.integrationsmanagement(GLIEDERUNG_LANDKREIS, "", offen, {"ZIELFELD_SPRACHE": ZieleImFeld(6, 5, 6, 5, 1)})
    assert land.offene_plaene_gesamt == Zelle(20, False)
    kreise = {r.key: r.offene_plaene for r in land.rows}
    assert len(kreise) == 44
    assert (kreise["08115"], kreise["08116"], kreise["08111"]) == (Zelle(13, False), Zelle(7, False), Zelle(0, False))
    sprache = next(z for z in land.zielfelder if z.name == "Sprache")
    assert (sprache.zellen.ziele, sprache.zellen.erreicht) == (Zelle(6, False), GESPERRT)  # 6 - 5 would be one person
    boeblingen = domain.integrationsmanagement(GLIEDERUNG_KOMMUNE, "08115", offen, {})
    kommunen = {r.key: r.offene_plaene for r in boeblingen.rows}
    assert kommunen[SINDELFINGEN] == kommunen["08115028"] == GESPERRT
    assert kommunen["08115003"] == Zelle(6, False)
    assert boeblingen.offene_plaene_gesamt == Zelle(13, False) and boeblingen.zielfelder == []


def test_a_batch_of_whole_aggregate_events_applies_what_one_by_one_would():
    im_lesemodell = {"a": 2, "b": None}  # b: asked, no row; c: not asked, no row either
    ereignisse = [("a", 1), ("a", 3), ("b", 1), ("a", 3), ("c", 2), ("a", 2), ("c", 1), ("a", 5), ("b", 1)]
    faltung = domain.falte_staende(im_lesemodell, ereignisse)
    assert faltung.angewandt == [False, True, True, False, True, False, False, True, False]
    assert faltung.zu_schreiben == {"a": 7, "b": 2, "c": 4}  # the newest applied state of each
    assert domain.falte_staende({"a": 9}, [("a", 9), ("a", 4)]) == domain.Faltung([False, False], {})
    assert domain.falte_staende({}, []) == domain.Faltung([], {})


@settings(max_examples=300, deadline=None)
@given(
    im_lesemodell=st.dictionaries(st.sampled_from("abcd"), st.none() | st.integers(1, 6)),
    ereignisse=st.lists(st.tuples(st.sampled_from("abcd"), st.integers(1, 6)), max_size=30),
)
def test_folding_a_batch_is_applying_its_events_one_by_one(im_lesemodell, ereignisse):
    faltung = domain.falte_staende(im_lesemodell, ereignisse)
    stand, angewandt = dict(im_lesemodell), []
    for key, version in ereignisse:  # as the read model applies them one at a time
        angewandt.append(domain.neuer(stand.get(key), version))
        if angewandt[-1]:
            stand[key] = version
    assert faltung.angewandt == angewandt
    written = {key: ereignisse[i][1] for key, i in faltung.zu_schreiben.items()}
    assert {**im_lesemodell, **written} == stand  # writing only the newest gives the same rows
    assert set(written) == {key for (key, _), neu in zip(ereignisse, angewandt, strict=True) if neu}


def test_the_counters_of_a_batch_are_the_sums_of_its_events():
    z = domain.Zaehlung()
    for producer in ("antrag", "antrag", "", "caseplan"):
        z.verarbeitet_von(producer)
    t1, t2 = datetime(2017, 7, 1, tzinfo=UTC), datetime(2017, 7, 2, tzinfo=UTC)
    z.angewandt_am(t2)
    z.angewandt_am(t1, anzahl=3)
    assert (dict(z.verarbeitet), z.angewandt, z.neuestes_ereignis_at) == (
        {"antrag": 2, "unbekannt": 1, "caseplan": 1}, 4, t2
    )
    assert (domain.Zaehlung().angewandt, domain.Zaehlung().neuestes_ereignis_at) == (0, None)
