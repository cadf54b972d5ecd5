"""`pakt planungsrahmen|parameter|verteilung`: arguments become the right requests, acting as the
Bewilligungsstelle by default, and replies print as German text or JSON (money as integer cents).
The gRPC call is replaced by canned replies."""

from __future__ import annotations

import json

import pytest

from pakt.allocation.v1 import allocation_pb2 as pb
from pakt.cli import allocation_cli
from pakt.cli.main import main
from pakt.common.v1.programm_pb2 import Programm

IM = Programm.PROGRAMM_INTEGRATIONSMANAGEMENT


class FakeCall:
    def __init__(self, *replies):
        self.replies = list(replies)
        self.calls = []

    def __call__(self, target, stub_class, method, request, identity=None):
        sent = type(request)()
        sent.CopyFrom(request)  # as sent: the CLI may reuse the message for the next page
        self.calls.append((target, method, sent, identity))
        return self.replies.pop(0)


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.delenv("PAKT_CLIENT_CERT", raising=False)
    monkeypatch.setenv("PAKT_ALLOCATION_TARGET", "allocation.example:443")

    def install(*replies) -> FakeCall:
        f = FakeCall(*replies)
        monkeypatch.setattr(allocation_cli, "call", f)
        return f

    return install


def _rahmen(ags: str, rahmen: int, gebunden: int) -> pb.Planungsrahmen:
    return pb.Planungsrahmen(kommune_ags=ags, kreis_ags=ags[:5], programm=IM, foerderjahr=2017, rahmen_cent=rahmen, gebunden_cent=gebunden, verteilung_id="v1")


def test_list_fetches_every_page_with_alle(fake, capsys):
    f = fake(
        pb.ListPlanungsrahmenResponse(planungsrahmen=[_rahmen("08111000", 318_862_000, 100_00)], next_page_token="1"),
        pb.ListPlanungsrahmenResponse(planungsrahmen=[_rahmen("08115003", 26_484_865, 0)]),
    )
    assert main(["planungsrahmen", "list", "--programm", "integrationsmanagement", "--jahr", "2017", "--seitengroesse", "1", "--alle"]) == 0
    (target, method, first, identity), second = f.calls[0], f.calls[1]
    assert (target, method, identity) == ("allocation.example:443", "ListPlanungsrahmen", "rp")
    assert (first.programm, first.foerderjahr, first.page_size, first.page_token) == (IM, 2017, 1, "")
    assert second[2].page_token == "1"
    out = capsys.readouterr().out
    assert "08111000 Stuttgart" in out and "3.188.620,00 €" in out and "3.188.520,00 €" in out  # frei
    assert "Summe" in out and "3.453.468,65 €" in out and "2 Planungsrahmen" in out


def test_explain_prints_the_parameter_versions_used(fake, capsys):
    rechenweg = pb.Rechenweg(
        kommune_ags="08336010", programm=IM, foerderjahr=2017, tranche=pb.TRANCHE_ENDGUELTIG, stand="2018-01-01",
        budget=pb.Parameter(id=2, art=pb.PARAMETER_ART_BUDGET, betrag_cent=5_800_000_000, gueltig_ab="2017-12-01", quelle="Pakt für Integration", erfasst_von="system:seed"),
        stichtag=pb.Parameter(id=12, art=pb.PARAMETER_ART_STICHTAG, stichtag="2017-06-30", gueltig_ab="2017-12-01", quelle="Annahme"),
        basis="Bevölkerung (Zensus 2022)", anzahl=99, anzahl_gesamt=11_104_040, quote_ganz_cent=51_710, rest=10_091_600,
        restcents_gesamt=555, rest_rang=115, plus_ein_cent=True, rahmen_cent=51_711, erlaeuterung="Budget … Rang 115 …",
    )
    f = fake(pb.ExplainPlanungsrahmenResponse(rechenweg=rechenweg))
    assert main(["planungsrahmen", "explain", "08336010", "--programm", "integrationsmanagement", "--jahr", "2017", "--stand", "2018-01-01", "--tranche", "endgueltig"]) == 0
    request = f.calls[0][2]
    assert (request.kommune_ags, request.stand, request.tranche) == ("08336010", "2018-01-01", pb.TRANCHE_ENDGUELTIG)
    out = capsys.readouterr().out
    assert "Böllen" in out and "Tranche endgültig" in out
    assert "58.000.000,00 € (Parameter #2, gültig ab 2017-12-01, erfasst von system:seed, Quelle: Pakt für Integration)" in out
    assert "2017-06-30 (Parameter #12" in out and "Rang 115: ein Cent mehr" in out and "517,11 €" in out
    assert "Budget … Rang 115 …" in out


def test_parameter_set_acts_as_rp_and_builds_the_version(fake, capsys):
    reply = pb.SetParameterResponse(
        parameter=pb.Parameter(id=14, art=pb.PARAMETER_ART_BUDGET, programm=IM, foerderjahr=2018, betrag_cent=6_000_000_000, gueltig_ab="2018-01-01", erfasst_von="rp:operator"),
        verteilung_ids=["v2"],
    )
    f = fake(reply)
    assert main([
        "parameter", "set", "--art", "budget", "--programm", "integrationsmanagement", "--jahr", "2018", "--tranche", "endgueltig",
        "--cent", "6000000000", "--gueltig-ab", "2018-01-01", "--quelle", "Beschluss", "--request-id", "r-1",
    ]) == 0
    _, method, request, identity = f.calls[0]
    assert (method, identity, request.request_id) == ("SetParameter", "rp", "r-1")
    p = request.parameter
    assert (p.art, p.programm, p.foerderjahr, p.tranche, p.betrag_cent, p.gueltig_ab, p.quelle) == (
        pb.PARAMETER_ART_BUDGET, IM, 2018, pb.TRANCHE_ENDGUELTIG, 6_000_000_000, "2018-01-01", "Beschluss",
    )
    out = capsys.readouterr().out
    assert "Parameter #14 (Budget, 60.000.000,00 €) gilt ab 2018-01-01; erfasst von rp:operator." in out
    assert "1 Verteilung(en): v2" in out


def test_explicit_identity_and_target_win(fake):
    f = fake(pb.ListParameterResponse())
    assert main(["--as", "08111000", "parameter", "list", "--art", "stichtag", "--target", "localhost:1"]) == 0
    target, _, request, identity = f.calls[0]
    assert (target, identity, request.art) == ("localhost:1", "08111000", pb.PARAMETER_ART_STICHTAG)


def test_simulate_table_and_totals(fake, capsys):
    reply = pb.SimulateUmverteilungResponse(
        frei_gesamt_cent=300,
        kommunen=[
            pb.Umverteilung(kommune_ags="08111000", kreis_ags="08111", rahmen_cent=500, gebunden_cent=500, frei_cent=0, neuer_rahmen_cent=700),
            pb.Umverteilung(kommune_ags="08115003", kreis_ags="08115", rahmen_cent=500, gebunden_cent=200, frei_cent=300, neuer_rahmen_cent=300),
        ],
    )
    fake(reply)
    assert main(["verteilung", "simulate", "--programm", "integrationsmanagement", "--jahr", "2017"]) == 0
    out = capsys.readouterr().out
    assert "neuer Rahmen" in out and "+2,00 €" in out and "-2,00 €" in out
    summe = next(line for line in out.splitlines() if line.startswith("Summe"))
    assert summe.split() == ["Summe", "10,00", "€", "7,00", "€", "3,00", "€", "10,00", "€"]
    assert "Frei insgesamt 3,00 €" in out


def test_apply_sends_quelle_and_a_request_id_and_prints_json(fake, capsys):
    f = fake(pb.ApplyUmverteilungResponse(verteilung_id="v9", frei_gesamt_cent=12_345_678_901))
    assert main(["verteilung", "apply", "--programm", "spracherwerb", "--jahr", "2018", "--quelle", "Beschluss vom 1.3.2018", "--json"]) == 0
    _, method, request, identity = f.calls[0]
    assert (method, identity, request.programm, request.foerderjahr, request.quelle) == (
        "ApplyUmverteilung", "rp", Programm.PROGRAMM_SPRACHERWERB, 2018, "Beschluss vom 1.3.2018",
    )
    assert len(request.request_id) == 36  # generated
    assert json.loads(capsys.readouterr().out) == {"verteilung_id": "v9", "frei_gesamt_cent": 12_345_678_901}


def test_vergleich_marks_frames_bound_beyond_the_final_share(fake, capsys):
    reply = pb.CompareVerteilungenResponse(
        vorlaeufig_budget_cent=3_500_000_000, endgueltig_budget_cent=5_800_000_000,
        vorlaeufig_basis="Erhebung A", endgueltig_basis="Erhebung B",
        kommunen=[
            pb.Nachverteilung(kommune_ags="08111000", kreis_ags="08111", vorlaeufig_cent=100, endgueltig_cent=80, differenz_cent=-20, gebunden_cent=90),
            pb.Nachverteilung(kommune_ags="08115003", kreis_ags="08115", vorlaeufig_cent=50, endgueltig_cent=70, differenz_cent=20, gebunden_cent=0),
        ],
    )
    f = fake(reply)
    assert main(["verteilung", "vergleich", "--programm", "integrationsmanagement", "--jahr", "2017", "--kreis", "08111"]) == 0
    assert f.calls[0][2].kreis_ags == "08111"
    out = capsys.readouterr().out
    assert "35.000.000,00 € nach Erhebung A" in out and "58.000.000,00 € nach Erhebung B" in out
    stuttgart = next(line for line in out.splitlines() if line.startswith("08111000"))
    assert stuttgart.endswith("0,90 €  !") and "-0,20 €" in stuttgart
    summe = next(line for line in out.splitlines() if line.startswith("Summe"))
    assert summe.split() == ["Summe", "1,50", "€", "1,50", "€", "0,00", "€", "0,90", "€"]


def test_unknown_programme_is_a_usage_error():
    with pytest.raises(SystemExit):
        main(["verteilung", "simulate", "--programm", "unbekannt", "--jahr", "2017"])
