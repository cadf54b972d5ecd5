"""German display texts of the contracts' enums (pakt/texte.py): every enum of proto/ has one
mapping, every value of it but *_UNSPECIFIED has a text, and the CLI and the services render
statuses, programmes, Schritte, Tranchen and Zielfelder with these texts and no copies of their own."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from dashboard.data import Auslastung, Faelle, table, zielfeld_table
from pakt import texte
from pakt.allocation.v1 import allocation_pb2 as apb
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.caseplan.v1 import caseplan_pb2 as cpb
from pakt.cli import allocation_cli, antrag_cli
from pakt.cli.main import main
from pakt.common.v1.programm_pb2 import Programm
from pakt.reporting.v1 import reporting_pb2 as rpb
from services.antrag import domain as antrag_domain
from services.caseplan.domain import Pruefung

ROOT = Path(__file__).resolve().parents[2]


def _contract_enums() -> dict[str, object]:
    """Every enum the generated code of proto/ declares, by full name, top-level and nested."""
    enums = {}
    for path in sorted((ROOT / "pakt").glob("*/v1/*_pb2.py")):
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        stack = [module.DESCRIPTOR.enum_types_by_name.values(), *(m.enum_types for m in module.DESCRIPTOR.message_types_by_name.values())]
        for group in stack:
            for enum in group:
                enums[enum.full_name] = enum
    return enums


CONTRACT_ENUMS = _contract_enums()


def test_every_enum_of_the_contracts_has_a_mapping():
    assert CONTRACT_ENUMS, "no generated enums found"
    missing = sorted(set(CONTRACT_ENUMS) - set(texte.ALLE))
    assert not missing, f"enums without display texts in pakt/texte.py: {missing}"
    assert sorted(set(texte.ALLE) - set(CONTRACT_ENUMS)) == []


@pytest.mark.parametrize("full_name", sorted(CONTRACT_ENUMS))
def test_every_value_but_unspecified_has_a_text(full_name):
    descriptor, mapping = CONTRACT_ENUMS[full_name], texte.ALLE[full_name]
    values = {v.number: v.name for v in descriptor.values}
    without = sorted(name for number, name in values.items() if number != 0 and number not in mapping)
    assert not without, f"{full_name}: values without a text in pakt/texte.py: {without}"
    assert 0 not in mapping, f"{full_name}: *_UNSPECIFIED means 'not given' and has no text"
    assert set(mapping) <= set(values)
    assert all(text.strip() == text and text for text in mapping.values())
    # Two values that read the same could not be told apart on screen.
    assert len(set(mapping.values())) == len(mapping), f"{full_name}: texts repeat"


def test_a_name_the_enum_does_not_have_fails_at_import():
    with pytest.raises(ValueError):
        texte.Texte(pb.AntragStatus, {"ANTRAG_STATUS_VERTIPPT": "vertippt"})


def test_texts_by_value_and_by_name():
    assert texte.ANTRAG_STATUS[pb.ANTRAG_STATUS_TEILWEISE_BEWILLIGT] == "teilweise bewilligt"
    assert texte.ANTRAG_STATUS.name("ANTRAG_STATUS_ENTSCHEIDUNGSREIF") == "entscheidungsreif"
    assert texte.ZIELFELD.name("ZIELFELD_SCHULE_BILDUNG") == "Schule/Bildung"
    # Unknown or unspecified: the caller's default, else the name as it came.
    assert texte.PROGRAMM.name("PROGRAMM_UNBEKANNT") == "PROGRAMM_UNBEKANNT"
    assert texte.PROGRAMM.name("PROGRAMM_UNSPECIFIED", "?") == "?"
    assert texte.PROGRAMM.get(99, "?") == "?"
    assert texte.PROGRAMM.full_name == "pakt.common.v1.Programm"


def test_the_same_outcome_reads_the_same_as_entscheidung_and_as_antrag_status():
    for name in ("BEWILLIGT", "TEILWEISE_BEWILLIGT", "ABGELEHNT"):
        assert texte.ENTSCHEIDUNG.name(f"ENTSCHEIDUNG_{name}") == texte.ANTRAG_STATUS.name(f"ANTRAG_STATUS_{name}")


# -- the CLI ---------------------------------------------------------------------------------------


class FakeCall:
    def __init__(self, *replies):
        self.replies = list(replies)

    def __call__(self, target, stub_class, method, request, identity=None):
        return self.replies.pop(0)


def _antrag(status: int, programm: int) -> pb.Antrag:
    a = pb.Antrag(
        id="6b357c58-0000-4000-8000-000000000001", status=status, antragsteller_ags="08111000", kreis_ags="08111",
        programm=programm, foerderjahr=2017, betrag_cent=100_00, version=1,
    )
    a.mittelabrufe.add(id="m1", betrag_cent=10_00, status=pb.MITTELABRUF_STATUS_ANGEFORDERT)
    a.mittelabrufe.add(id="m2", betrag_cent=20_00, status=pb.MITTELABRUF_STATUS_AUSGEZAHLT)
    return a


@pytest.mark.parametrize("status", sorted(texte.ANTRAG_STATUS))
def test_cli_prints_an_antrag_with_the_module_texts(monkeypatch, capsys, status):
    programm = list(texte.PROGRAMM)[status % len(texte.PROGRAMM)]
    monkeypatch.setattr(antrag_cli, "call", FakeCall(pb.GetAntragResponse(antrag=_antrag(status, programm))))
    assert main(["antrag", "get", "6b357c58-0000-4000-8000-000000000001"]) == 0
    out = capsys.readouterr().out
    assert f"Status:        {texte.ANTRAG_STATUS[status]}\n" in out
    assert f"Programm:      {texte.PROGRAMM[programm]}, Förderjahr 2017" in out
    assert f"({texte.MITTELABRUF_STATUS[pb.MITTELABRUF_STATUS_ANGEFORDERT]})" in out
    assert f"({texte.MITTELABRUF_STATUS[pb.MITTELABRUF_STATUS_AUSGEZAHLT]})" in out


def test_cli_lists_antraege_with_the_module_texts(monkeypatch, capsys):
    antraege = [_antrag(s, p) for s, p in zip(sorted(texte.ANTRAG_STATUS), [*texte.PROGRAMM] * 3, strict=False)]
    monkeypatch.setattr(antrag_cli, "call", FakeCall(pb.ListAntraegeResponse(antraege=antraege)))
    assert main(["antrag", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:-1]
    assert len(lines) == len(antraege)
    for line, a in zip(lines, antraege, strict=True):
        assert texte.ANTRAG_STATUS[a.status] in line and texte.PROGRAMM[a.programm] in line


def test_cli_history_names_every_schritt_with_the_module_texts(monkeypatch, capsys):
    eintraege = [
        pb.HistorienEintrag(version=i, akteur="rp:operator", schritt=schritt, status_nachher=pb.ANTRAG_STATUS_IN_PRUEFUNG)
        for i, schritt in enumerate(sorted(texte.SCHRITT), start=1)
    ]
    monkeypatch.setattr(antrag_cli, "call", FakeCall(pb.GetAntragHistoryResponse(eintraege=eintraege)))
    assert main(["antrag", "history", "6b357c58-0000-4000-8000-000000000001"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(texte.SCHRITT)
    for line, e in zip(lines, eintraege, strict=True):
        assert f" {texte.SCHRITT[e.schritt]} " in line and line.endswith(f"– → {texte.ANTRAG_STATUS[pb.ANTRAG_STATUS_IN_PRUEFUNG]}")


def test_cli_prints_parameters_with_the_module_texts(monkeypatch, capsys):
    versions = [
        apb.Parameter(id=1, art=apb.PARAMETER_ART_BUDGET, programm=Programm.PROGRAMM_JUNGE_FLUECHTLINGE, foerderjahr=2017,
                      tranche=apb.TRANCHE_VORLAEUFIG, betrag_cent=1, gueltig_ab="2017-07-01"),
        apb.Parameter(id=2, art=apb.PARAMETER_ART_STICHTAG, foerderjahr=2017, tranche=apb.TRANCHE_ENDGUELTIG,
                      stichtag="2017-06-30", gueltig_ab="2017-12-01"),
        apb.Parameter(id=3, art=apb.PARAMETER_ART_SCHWELLENWERT, programm=Programm.PROGRAMM_INTEGRATIONSMANAGEMENT,
                      betrag_cent=51_000_00, gueltig_ab="2017-04-27"),
    ]
    monkeypatch.setattr(allocation_cli, "call", FakeCall(apb.ListParameterResponse(parameter=versions)))
    assert main(["parameter", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:-1]
    for line, p in zip(lines, versions, strict=True):
        assert texte.PARAMETER_ART[p.art] in line
        assert (texte.PROGRAMM[p.programm] if p.programm else "alle") in line
        if p.tranche:
            assert texte.TRANCHE[p.tranche] in line


def test_cli_explains_a_planungsrahmen_with_the_module_texts(monkeypatch, capsys):
    rechenweg = apb.Rechenweg(kommune_ags="08336010", programm=Programm.PROGRAMM_EHRENAMT, foerderjahr=2017,
                              tranche=apb.TRANCHE_VORLAEUFIG, stand="2017-08-01")
    monkeypatch.setattr(allocation_cli, "call", FakeCall(apb.ExplainPlanungsrahmenResponse(rechenweg=rechenweg)))
    assert main(["planungsrahmen", "explain", "08336010", "--programm", "ehrenamt", "--jahr", "2017"]) == 0
    out = capsys.readouterr().out
    assert f"Böllen, {texte.PROGRAMM[Programm.PROGRAMM_EHRENAMT]}, Förderjahr 2017" in out
    assert f"Tranche {texte.TRANCHE[apb.TRANCHE_VORLAEUFIG]}" in out


# -- the dashboard ---------------------------------------------------------------------------------


def test_dashboard_names_programmes_by_the_module_texts_and_kreise_by_ags():
    rows = [rpb.UtilisationRow(key=texte.PROGRAMM.enum.Name(p), name="amtliche Bezeichnung") for p in texte.PROGRAMM]
    shown = table(Auslastung(by=rpb.GLIEDERUNG_PROGRAMM, rows=rows, events_applied=0), "Programm")
    assert [r["Programm"] for r in shown] == list(texte.PROGRAMM.values())
    kreise = table(Auslastung(by=rpb.GLIEDERUNG_LANDKREIS, rows=[rpb.UtilisationRow(key="08425", name="Alb-Donau-Kreis")], events_applied=0), "Kreis")
    assert kreise[0]["Kreis"] == "08425"


def test_dashboard_names_zielfelder_by_the_module_texts():
    zielfelder = [rpb.ZielfeldRow(feld=feld, name="", ziele=rpb.Zelle(value=5)) for feld in texte.ZIELFELD]
    shown = zielfeld_table(Faelle(kreise=[], gesamt=rpb.Zelle(), zielfelder=zielfelder))
    assert [r["Zielfeld"] for r in shown] == list(texte.ZIELFELD.values())


# -- the services ----------------------------------------------------------------------------------


def test_antrag_service_names_schritt_and_status_with_the_module_texts():
    message = antrag_domain.transition_error(pb.SCHRITT_MITTELABRUF_EINGEGANGEN, pb.ANTRAG_STATUS_NACHFORDERUNG)
    assert message == (
        f"{texte.SCHRITT[pb.SCHRITT_MITTELABRUF_EINGEGANGEN]} ist im Status „{texte.ANTRAG_STATUS[pb.ANTRAG_STATUS_NACHFORDERUNG]}“ "
        f"nicht möglich (nur im Status: {texte.ANTRAG_STATUS[pb.ANTRAG_STATUS_BEWILLIGT]}, "
        f"{texte.ANTRAG_STATUS[pb.ANTRAG_STATUS_TEILWEISE_BEWILLIGT]})."
    )


def test_caseplan_service_lists_the_zielfelder_with_the_module_texts():
    v = Pruefung()
    v.ziel(cpb.Ziel(beschreibung="x"))
    (feld,) = [x.description for x in v.items if x.field == "ziel.feld"]
    assert feld == "fehlt oder ist unbekannt: " + ", ".join(texte.ZIELFELD.values())
    assert "Schule/Bildung" in feld
