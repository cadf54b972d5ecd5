"""The dashboard's Integrationsmanagement tables: German labels, withheld counts as "geheim"."""

from __future__ import annotations

from dashboard.data import GEHEIM, Faelle, faelle_table, zahl, zielfeld_table
from pakt.caseplan.v1.caseplan_pb2 import ZIELFELD_ARBEIT, ZIELFELD_SPRACHE
from pakt.reporting.v1 import reporting_pb2 as rpb


def test_withheld_counts_say_geheim_and_never_a_bound():
    # A withheld cell may be withheld beside a small one and be large itself: "< 5" would be
    # wrong for it and would tell which of the two is the small one.
    assert zahl(rpb.Zelle(value=0, suppressed=True)) == GEHEIM == "geheim"
    assert zahl(rpb.Zelle(value=0)) == "0"
    assert zahl(rpb.Zelle(value=12_345)) == "12.345"


def test_tables_are_labelled_in_german():
    faelle = Faelle(
        kreise=[
            rpb.IntegrationsmanagementRow(key="08335", name="Konstanz", offene_plaene=rpb.Zelle(value=6)),
            rpb.IntegrationsmanagementRow(key="08336", name="Lörrach", offene_plaene=rpb.Zelle(suppressed=True)),
        ],
        gesamt=rpb.Zelle(value=13),
        zielfelder=[
            rpb.ZielfeldRow(feld=ZIELFELD_SPRACHE, name="Sprache", ziele=rpb.Zelle(value=9), erreicht=rpb.Zelle(suppressed=True)),
            rpb.ZielfeldRow(feld=ZIELFELD_ARBEIT, name="Arbeit", ziele=rpb.Zelle(value=0), erreicht=rpb.Zelle(value=0)),
        ],
    )
    assert faelle_table(faelle) == [
        {"Stadt- oder Landkreis": "Konstanz", "offene Integrationspläne": "6"},
        {"Stadt- oder Landkreis": "Lörrach", "offene Integrationspläne": "geheim"},
    ]
    assert zielfeld_table(faelle) == [
        {"Zielfeld": "Sprache", "Ziele": "9", "davon erreicht": "geheim"},
        {"Zielfeld": "Arbeit", "Ziele": "0", "davon erreicht": "0"},
    ]
