"""The comparison behind `pakt abgleich` (pakt.abgleich), without any service: what it finds, what
it asks whom to republish, and what it leaves to a person."""

from __future__ import annotations

import uuid
from dataclasses import replace

from pakt.abgleich import (
    AntragGeld,
    BescheidGeld,
    ReportingGeld,
    reparatur,
    reporting_rueckstand,
    vergleiche,
    verbleibend,
    zusammenfassung,
)

IM, SPRACHE = "PROGRAMM_INTEGRATIONSMANAGEMENT", "PROGRAMM_SPRACHERWERB"
STUTTGART, ESSLINGEN = "08111000", "08116019"


def _id() -> str:
    return str(uuid.uuid4())


def antrag(status="ANTRAG_STATUS_BEWILLIGT", bewilligt=100_00, ausgezahlt=0, freigegeben=0, rueckforderung=0,
           ags=STUTTGART, programm=IM, jahr=2017, version=4, bescheid_id=None, antrag_id=None) -> AntragGeld:
    return AntragGeld(
        antrag_id=antrag_id or _id(), antragsteller_ags=ags, programm=programm, foerderjahr=jahr, status=status,
        version=version, bescheid_id=_id() if bescheid_id is None else bescheid_id, bewilligt_cent=bewilligt,
        ausgezahlt_cent=ausgezahlt, freigegeben_cent=freigegeben, rueckforderung_cent=rueckforderung,
    )


def bescheid_zu(a: AntragGeld, **changes) -> BescheidGeld:
    b = BescheidGeld(
        bescheid_id=a.bescheid_id or _id(), antrag_id=a.antrag_id, kommune_ags=a.antragsteller_ags,
        programm=a.programm, foerderjahr=a.foerderjahr, entscheidung="ENTSCHEIDUNG_BEWILLIGT",
        bewilligt_cent=a.bewilligt_cent, freigegeben_cent=a.freigegeben_cent,
    )
    return replace(b, **changes)


def reporting_zu(a: AntragGeld, **changes) -> ReportingGeld:
    r = ReportingGeld(
        antrag_id=a.antrag_id, version=a.version, antragsteller_ags=a.antragsteller_ags, programm=a.programm,
        foerderjahr=a.foerderjahr, status=a.status, bewilligt_cent=a.bewilligt_cent, ausgezahlt_cent=a.ausgezahlt_cent,
        freigegeben_cent=a.freigegeben_cent, rueckforderung_cent=a.rueckforderung_cent,
    )
    return replace(r, **changes)


def consistent() -> tuple[list[AntragGeld], list[BescheidGeld], list[ReportingGeld]]:
    """Anträge in every stage, with allocation and reporting agreeing with them."""
    antraege = [
        antrag(status="ANTRAG_STATUS_EINGEGANGEN", bewilligt=0, bescheid_id="", version=1),
        antrag(status="ANTRAG_STATUS_IN_PRUEFUNG", bewilligt=0, bescheid_id="", version=2),
        antrag(status="ANTRAG_STATUS_ZURUECKGEZOGEN", bewilligt=0, bescheid_id="", version=2),
        antrag(status="ANTRAG_STATUS_BEWILLIGT", bewilligt=120_000_00, ausgezahlt=60_000_00),
        antrag(status="ANTRAG_STATUS_TEILWEISE_BEWILLIGT", bewilligt=80_000_00, ags=ESSLINGEN, programm=SPRACHE),
        antrag(status="ANTRAG_STATUS_ABGELEHNT", bewilligt=0, ags=ESSLINGEN),
        antrag(status="ANTRAG_STATUS_ABGESCHLOSSEN", bewilligt=90_000_00, ausgezahlt=90_000_00,
               freigegeben=10_000_00, rueckforderung=10_000_00, version=9),
    ]
    bescheide = [bescheid_zu(a) for a in antraege if a.bescheid_id]
    return antraege, bescheide, [reporting_zu(a) for a in antraege]


def test_listings_that_agree_give_no_finding():
    antraege, bescheide, reporting = consistent()
    assert vergleiche(antraege, bescheide, reporting) == []
    assert not reparatur([])


def test_an_antrag_waiting_for_a_bescheid_allocation_never_made_is_republished_by_antrag():
    antraege, bescheide, reporting = consistent()
    wartend = antrag(status="ANTRAG_STATUS_ENTSCHEIDUNGSREIF", bewilligt=0, bescheid_id="", version=3)
    befunde = vergleiche([*antraege, wartend], bescheide, [*reporting, reporting_zu(wartend)])
    assert [(b.art, b.antrag_nachsenden, b.allocation_nachsenden) for b in befunde] == [
        ("bescheid_fehlt", (wartend.antrag_id,), ())
    ]
    assert wartend.antrag_id in befunde[0].text and "keinen Bescheid" in befunde[0].text
    assert reparatur(befunde).antrag == (wartend.antrag_id,)


def test_a_decided_antrag_whose_bescheid_allocation_lacks_is_found_too():
    antraege, bescheide, reporting = consistent()
    entschieden = antraege[3]
    befunde = vergleiche(antraege, [b for b in bescheide if b.antrag_id != entschieden.antrag_id], reporting)
    assert {b.art for b in befunde} == {"bescheid_fehlt", "summe"}
    fehlt = next(b for b in befunde if b.art == "bescheid_fehlt")
    assert fehlt.antrag_nachsenden == (entschieden.antrag_id,)
    summe = next(b for b in befunde if b.art == "summe")
    assert summe.schluessel == f"summe/{STUTTGART}/{IM}/2017"
    assert "Σ bewilligt: antrag 210.000,00 €, allocation 90.000,00 €, reporting 210.000,00 €" in summe.text
    assert not summe.reparierbar


def test_a_bescheid_antrag_never_applied_is_republished_by_allocation():
    antraege, bescheide, reporting = consistent()
    wartend = antrag(status="ANTRAG_STATUS_ENTSCHEIDUNGSREIF", bewilligt=0, bescheid_id="", version=3)
    erlassen = bescheid_zu(wartend, bescheid_id=_id(), bewilligt_cent=50_000_00)
    befunde = vergleiche([*antraege, wartend], [*bescheide, erlassen], [*reporting, reporting_zu(wartend)])
    assert zusammenfassung(befunde) == {"bescheid_nicht_angewendet": 1, "summe": 1}
    nicht = befunde[0]
    assert nicht.allocation_nachsenden == (wartend.antrag_id,) and not nicht.antrag_nachsenden
    assert erlassen.bescheid_id in nicht.text and "50.000,00 €" in nicht.text
    assert reparatur(befunde).allocation == (wartend.antrag_id,)


def test_a_bescheid_for_an_antrag_not_waiting_for_one_needs_a_person():
    antraege, bescheide, reporting = consistent()
    in_pruefung = antraege[1]
    befunde = vergleiche(antraege, [*bescheide, bescheid_zu(in_pruefung, bescheid_id=_id(), bewilligt_cent=0)], reporting)
    assert [(b.art, b.reparierbar) for b in befunde] == [("bescheid_nicht_angewendet", False)]
    assert "in Prüfung" in befunde[0].text


def test_a_different_bescheid_or_amount_in_antrag_needs_a_person():
    antraege, bescheide, reporting = consistent()
    a = antraege[3]
    anders = [replace(b, bewilligt_cent=b.bewilligt_cent - 1) if b.antrag_id == a.antrag_id else b for b in bescheide]
    befunde = vergleiche(antraege, anders, reporting)
    assert [(b.art, b.reparierbar) for b in befunde] == [("bescheid_abweichend", False), ("summe", False)]
    assert "119.999,99 €" in befunde[0].text

    zwei = [*bescheide, bescheid_zu(a, bescheid_id=_id())]
    befunde = vergleiche(antraege, zwei, reporting)
    assert [b.art for b in befunde][:2] == ["bescheid_mehrfach", "bescheid_abweichend"]
    assert not any(b.reparierbar for b in befunde)


def test_a_bescheid_for_an_antrag_antrag_does_not_know_needs_a_person():
    antraege, bescheide, reporting = consistent()
    fremd = bescheid_zu(antrag(), bescheid_id=_id())
    befunde = vergleiche(antraege, [*bescheide, fremd], reporting)
    assert [(b.art, b.reparierbar) for b in befunde] == [("bescheid_ohne_antrag", False), ("summe", False)]


def test_a_release_allocation_missed_is_republished_by_antrag():
    antraege, bescheide, reporting = consistent()
    abgeschlossen = antraege[-1]
    ohne = [replace(b, freigegeben_cent=0) if b.antrag_id == abgeschlossen.antrag_id else b for b in bescheide]
    befunde = vergleiche(antraege, ohne, reporting)
    assert zusammenfassung(befunde) == {"freigabe_fehlt": 1, "summe": 1}
    assert befunde[0].antrag_nachsenden == (abgeschlossen.antrag_id,)
    assert "Σ freigegeben: antrag 10.000,00 €, allocation 0,00 €, reporting 10.000,00 €" in befunde[1].text


def test_reporting_missing_or_behind_is_republished_by_antrag():
    antraege, bescheide, reporting = consistent()
    fehlt, zurueck = antraege[3], antraege[4]
    behind = [replace(r, version=1, status="ANTRAG_STATUS_EINGEGANGEN", bewilligt_cent=0) if r.antrag_id == zurueck.antrag_id
              else r for r in reporting if r.antrag_id != fehlt.antrag_id]
    befunde = vergleiche(antraege, bescheide, behind)
    assert zusammenfassung(befunde) == {"reporting_fehlt": 1, "reporting_zurueck": 1, "summe": 2}
    assert reparatur(befunde).antrag == tuple(sorted([fehlt.antrag_id, zurueck.antrag_id]))
    assert "Version 1, antrag Version 4" in befunde[1].text
    assert {b.antrag_id for b in [fehlt, zurueck]} == {b.antrag_nachsenden[0] for b in reporting_rueckstand(antraege, behind)}


def test_reporting_ahead_or_different_at_the_same_version_needs_a_rebuild():
    antraege, bescheide, reporting = consistent()
    a, b = antraege[3], antraege[4]
    changed = [
        replace(r, version=r.version + 1) if r.antrag_id == a.antrag_id
        else replace(r, ausgezahlt_cent=1) if r.antrag_id == b.antrag_id else r
        for r in reporting
    ]
    unknown = reporting_zu(antrag())
    befunde = vergleiche(antraege, bescheide, [*changed, unknown])
    assert [(x.art, x.reparierbar) for x in befunde if x.art != "summe"] == [
        ("reporting_voraus", False), ("reporting_abweichend", False), ("reporting_ohne_antrag", False)
    ]
    assert all("pakt report rebuild" in x.text for x in befunde if x.art != "summe")
    assert reporting_rueckstand(antraege, [*changed, unknown]) == []


def test_sums_compare_per_kommune_programme_and_year_and_allocation_only_where_it_knows():
    antraege, bescheide, reporting = consistent()
    # Paid out money is not allocation's business: antrag's payouts show only against reporting.
    assert any(a.ausgezahlt_cent for a in antraege) and vergleiche(antraege, bescheide, reporting) == []
    paid = [replace(r, ausgezahlt_cent=0) for r in reporting]
    assert [b.art for b in vergleiche(antraege, bescheide, paid)].count("summe") == 1
    # A Bescheid filed under another Kommune: the per-Antrag checks agree, the sums do not.
    a = antraege[3]
    verschoben = [replace(b, kommune_ags=ESSLINGEN) if b.antrag_id == a.antrag_id else b for b in bescheide]
    befunde = vergleiche(antraege, verschoben, reporting)
    assert [b.schluessel for b in befunde] == [f"summe/{STUTTGART}/{IM}/2017", f"summe/{ESSLINGEN}/{IM}/2017"]
    assert not reparatur(befunde)


def test_what_is_left_is_the_first_checks_findings_still_found():
    antraege, bescheide, reporting = consistent()
    wartend = antrag(status="ANTRAG_STATUS_ENTSCHEIDUNGSREIF", bewilligt=0, bescheid_id="", version=3)
    erst = vergleiche([*antraege, wartend], bescheide, reporting)
    assert {b.art for b in erst} == {"bescheid_fehlt", "reporting_fehlt"}

    # Then: allocation decided (antrag not yet applied), reporting caught up, and a new Antrag is on its way.
    neu = antrag(status="ANTRAG_STATUS_EINGEGANGEN", bewilligt=0, bescheid_id="", version=1)
    erlassen = bescheid_zu(wartend, bescheid_id=_id(), bewilligt_cent=0)
    spaeter = vergleiche([*antraege, wartend, neu], [*bescheide, erlassen], [*reporting, reporting_zu(wartend)])
    assert {b.art for b in spaeter} == {"bescheid_nicht_angewendet", "reporting_fehlt"}
    assert verbleibend(erst, spaeter) == []

    noch = vergleiche([*antraege, wartend], bescheide, [*reporting, reporting_zu(wartend)])
    assert [b.art for b in verbleibend(erst, noch)] == ["bescheid_fehlt"]


def test_each_antrag_is_republished_once_per_owner():
    antraege, bescheide, reporting = consistent()
    wartend = antrag(status="ANTRAG_STATUS_ENTSCHEIDUNGSREIF", bewilligt=0, bescheid_id="", version=3)
    # Missing in allocation and in reporting: two findings, one republish.
    befunde = vergleiche([*antraege, wartend], bescheide, reporting)
    assert len(befunde) == 2
    assert reparatur(befunde).antrag == (wartend.antrag_id,) and reparatur(befunde).allocation == ()
