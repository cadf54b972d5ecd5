"""`pakt caseplan …`: arguments become the right requests, Integrationsmanager must name
themselves, and replies print as German text or JSON. The gRPC call is replaced by canned replies;
no real person appears (tests/caseplan.py)."""

from __future__ import annotations

import json
import stat

import pytest

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.cli import caseplan_cli
from pakt.cli.main import main
from tests.caseplan import person

PLAN_ID = "6f1c2d7e-1111-4222-8333-944455556666"
ZIEL_ID = "0a0b0c0d-1111-4222-8333-944455556666"
IM = "08111000:mueller"


class FakeCall:
    def __init__(self, *replies):
        self.replies = list(replies)
        self.calls = []

    def __call__(self, target, stub_class, method, request, identity=None):
        sent = type(request)()
        sent.CopyFrom(request)
        self.calls.append((target, method, sent, identity))
        return self.replies.pop(0)


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.delenv("PAKT_CLIENT_CERT", raising=False)
    monkeypatch.setenv("PAKT_CASEPLAN_TARGET", "caseplan.example:443")

    def install(*replies) -> FakeCall:
        f = FakeCall(*replies)
        monkeypatch.setattr(caseplan_cli, "call", f)
        return f

    return install


def _plan(**overrides) -> pb.Plan:
    fields = dict(
        id=PLAN_ID, kommune_ags="08111000", integrationsmanager="mueller", status=pb.PLANSTATUS_OFFEN,
        eroeffnet_am="2026-11-01", laufzeit_bis="2028-10-31", naechste_fortschreibung="2027-01-30",
        person=person(), einwilligung=pb.Einwilligung(zweck="Integrationsplan", erteilt_am="2026-11-01"),
        ziele=[pb.Ziel(id=ZIEL_ID, feld=pb.ZIELFELD_SPRACHE, beschreibung="B1-Kurs abschließen", massnahmen="Integrationskurs",
                       verantwortlich="Sprachkursträger", frist="2027-06-30", status=pb.ZIELSTATUS_IN_ARBEIT)],
        fortschreibungen=[pb.Fortschreibung(datum="2026-12-01", notiz="Kurs begonnen", naechste_am="2027-01-30",
                                            akteur="kommune:08111000/im:mueller")],
        version=4,
    )
    fields.update(overrides)
    return pb.Plan(**fields)


@pytest.mark.parametrize("identity", [None, "08111000", "rp", "rp:sachbearbeitung"])
def test_plan_commands_need_an_integrationsmanager(fake, capsys, identity):
    f = fake()
    argv = (["--as", identity] if identity else []) + ["caseplan", "plan", "list"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Integrationsmanager" in err and "--as AGS:kennung" in err
    assert f.calls == []


def test_create_reads_the_request_and_generates_a_request_id(fake, capsys, tmp_path):
    datei = tmp_path / "plan.json"
    datei.write_text(json.dumps({
        "person": {"name": "Testperson 0001", "geburtsdatum": "1990-01-01", "sprachen": ["Arabisch"]},
        "einwilligung": {"zweck": "Integrationsplan", "erteilt_am": "2026-11-01"},
    }), encoding="utf-8")
    f = fake(pb.CreatePlanResponse(plan=_plan()))
    assert main(["--as", IM, "caseplan", "plan", "create", str(datei)]) == 0
    target, method, request, identity = f.calls[0]
    assert (target, method, identity) == ("caseplan.example:443", "CreatePlan", IM)
    assert request.person.name == "Testperson 0001" and list(request.person.sprachen) == ["Arabisch"]
    assert len(request.request_id) == 36
    out = capsys.readouterr().out
    assert f"Integrationsplan {PLAN_ID} angelegt" in out and "08111000 Stuttgart" in out
    assert "Xaverine" not in out  # a change prints no personal data


def test_create_rejects_a_file_that_is_no_request(fake, capsys, tmp_path):
    datei = tmp_path / "plan.json"
    datei.write_text('{"persona": {}}', encoding="utf-8")
    f = fake()
    assert main(["--as", IM, "caseplan", "plan", "create", str(datei)]) == 1
    assert "kein gültiger CreatePlanRequest" in capsys.readouterr().err and f.calls == []


def test_get_prints_person_goals_and_reviews(fake, capsys):
    f = fake(pb.GetPlanResponse(plan=_plan()))
    assert main(["--as", IM, "caseplan", "plan", "get", PLAN_ID, "--zweck", "Beratungsgespräch"]) == 0
    _, method, request, _ = f.calls[0]
    assert (method, request.plan_id, request.zweck) == ("GetPlan", PLAN_ID, "Beratungsgespräch")
    out = capsys.readouterr().out
    assert f"Integrationsplan {PLAN_ID}" in out and "Status:              offen" in out
    assert "Xaverine Quellbrunn-Testperson" in out and "Arabisch, Kurdisch, Deutsch A2" in out
    assert f"1. Sprache: in Arbeit, Frist 2027-06-30  [{ZIEL_ID}]" in out
    assert "Maßnahmen:      Integrationskurs" in out and "Verantwortlich: Sprachkursträger" in out
    assert "2026-12-01  kommune:08111000/im:mueller, nächste am 2027-01-30" in out and "Kurs begonnen" in out


def test_get_json_and_an_erased_plan(fake, capsys):
    erased = _plan(person=None, geloescht=True, status=pb.PLANSTATUS_ABGESCHLOSSEN, abgeschlossen_am="2027-01-01",
                   abschlussgrund=pb.ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN)
    fake(pb.GetPlanResponse(plan=erased), pb.GetPlanResponse(plan=erased))
    assert main(["--as", IM, "caseplan", "plan", "get", PLAN_ID, "--zweck", "Kontrolle", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["geloescht"] is True and data["version"] == 4 and data["status"] == "PLANSTATUS_ABGESCHLOSSEN"
    assert main(["--as", IM, "caseplan", "plan", "get", PLAN_ID, "--zweck", "Kontrolle"]) == 0
    out = capsys.readouterr().out
    assert "abgeschlossen am 2027-01-01 (Einwilligung widerrufen)" in out and "Personendaten:       gelöscht" in out


def test_list_filters_and_prints_the_worklist(fake, capsys):
    row = pb.PlanUebersicht(id=PLAN_ID, integrationsmanager="mueller", status=pb.PLANSTATUS_OFFEN,
                            eroeffnet_am="2026-11-01", naechste_fortschreibung="2027-01-30", offene_ziele=2)
    f = fake(pb.ListPlansResponse(plaene=[row]))
    assert main(["--as", IM, "caseplan", "plan", "list", "--status", "offen", "--integrationsmanager", "mueller"]) == 0
    request = f.calls[0][2]
    assert (request.status, request.integrationsmanager) == (pb.PLANSTATUS_OFFEN, "mueller")
    out = capsys.readouterr().out
    assert PLAN_ID in out and "2027-01-30" in out and "1 Pläne" in out


def test_ziel_add_builds_the_goal_and_names_its_id(fake, capsys):
    f = fake(pb.AddZielResponse(plan=_plan()))
    assert main([
        "--as", IM, "caseplan", "ziel", "add", PLAN_ID, "--feld", "schule-bildung", "--beschreibung", "Schulabschluss",
        "--massnahmen", "VHS", "--verantwortlich", "Person", "--frist", "2027-07-01", "--request-id", "r-1",
    ]) == 0
    _, method, request, _ = f.calls[0]
    z = request.ziel
    assert (method, request.request_id, request.plan_id) == ("AddZiel", "r-1", PLAN_ID)
    assert (z.feld, z.beschreibung, z.massnahmen, z.verantwortlich, z.frist, z.status) == (
        pb.ZIELFELD_SCHULE_BILDUNG, "Schulabschluss", "VHS", "Person", "2027-07-01", 0,
    )
    assert f"Ziel {ZIEL_ID} vereinbart" in capsys.readouterr().out


def test_ziel_update_keeps_what_was_not_given(fake, capsys):
    done = _plan()
    done.ziele[0].status = pb.ZIELSTATUS_ERREICHT
    f = fake(pb.GetPlanResponse(plan=_plan()), pb.UpdateZielResponse(plan=done))
    assert main(["--as", IM, "caseplan", "ziel", "update", PLAN_ID, ZIEL_ID, "--status", "erreicht", "--beschreibung", "B1 bestanden"]) == 0
    (_, read, get, _), (_, method, request, _) = f.calls
    assert (read, get.zweck) == ("GetPlan", "Fortschreibung eines Ziels")
    z = request.ziel
    assert (method, z.id, z.feld, z.status, z.beschreibung) == ("UpdateZiel", ZIEL_ID, pb.ZIELFELD_SPRACHE, pb.ZIELSTATUS_ERREICHT, "B1 bestanden")
    assert (z.massnahmen, z.verantwortlich, z.frist) == ("Integrationskurs", "Sprachkursträger", "2027-06-30")
    assert f"Ziel {ZIEL_ID} fortgeschrieben: Sprache, erreicht" in capsys.readouterr().out


def test_ziel_update_with_everything_given_reads_nothing(fake):
    f = fake(pb.UpdateZielResponse(plan=_plan()))
    assert main([
        "--as", IM, "caseplan", "ziel", "update", PLAN_ID, ZIEL_ID, "--status", "abgebrochen", "--feld", "arbeit",
        "--beschreibung", "Stelle", "--massnahmen", "", "--verantwortlich", "", "--frist", "",
    ]) == 0
    assert [c[1] for c in f.calls] == ["UpdateZiel"]
    z = f.calls[0][2].ziel
    assert (z.feld, z.status, z.massnahmen, z.frist) == (pb.ZIELFELD_ARBEIT, pb.ZIELSTATUS_ABGEBROCHEN, "", "")


def test_fortschreibung_close_and_uebergabe(fake, capsys):
    closed = _plan(status=pb.PLANSTATUS_ABGESCHLOSSEN, abgeschlossen_am="2027-02-01", abschlussgrund=pb.ABSCHLUSSGRUND_KEIN_KONTAKT)
    moved = pb.PlanUebersicht(id=PLAN_ID, integrationsmanager="yilmaz", status=pb.PLANSTATUS_OFFEN)
    f = fake(pb.RecordFortschreibungResponse(plan=_plan()), pb.ClosePlanResponse(plan=closed), pb.HandOverPlanResponse(plan=moved))
    assert main(["--as", IM, "caseplan", "fortschreibung", PLAN_ID, "--notiz", "Gespräch", "--naechste", "2027-01-30"]) == 0
    assert main(["--as", IM, "caseplan", "close", PLAN_ID, "--grund", "kein-kontakt"]) == 0
    assert main(["--as", IM, "caseplan", "uebergabe", PLAN_ID, "--an", "08116019", "--integrationsmanager", "yilmaz"]) == 0
    review, close, hand_over = (c[2] for c in f.calls)
    assert (review.notiz, review.naechste_am) == ("Gespräch", "2027-01-30")
    assert close.grund == pb.ABSCHLUSSGRUND_KEIN_KONTAKT
    assert (hand_over.neue_kommune_ags, hand_over.neuer_integrationsmanager) == ("08116019", "yilmaz")
    assert len({r.request_id for r in (review, close, hand_over)}) == 3
    out = capsys.readouterr().out
    assert "nächste Fortschreibung am 2027-01-30" in out
    assert "abgeschlossen am 2027-02-01 (kein Kontakt)" in out
    assert "an 08116019 Esslingen" in out and "keinen Zugriff mehr" in out


def test_caseload_names_overdue_reviews_and_goals(fake, capsys):
    reply = pb.GetCaseloadResponse(
        fallbelastung=[pb.Fallbelastung(integrationsmanager="mueller", offene_plaene=7)],
        ueberfaellig=[
            pb.Faelligkeit(plan_id=PLAN_ID, integrationsmanager="mueller", was="Fortschreibung", faellig_am="2027-01-30"),
            pb.Faelligkeit(plan_id=PLAN_ID, integrationsmanager="mueller", was="ZIELFELD_WOHNEN", faellig_am="2027-02-01"),
        ],
    )
    f = fake(reply)
    assert main(["--as", IM, "caseplan", "caseload", "--stichtag", "2027-03-01"]) == 0
    assert f.calls[0][2].stichtag == "2027-03-01"
    out = capsys.readouterr().out
    assert "mueller" in out and "7" in out and "Überfällig (2)" in out
    assert "Fortschreibung" in out and "Ziel Wohnen" in out


def test_export_writes_a_file_only_its_owner_reads(fake, capsys, tmp_path):
    document = json.dumps({"integrationsplan": {"id": PLAN_ID}, "zugriffe": []})
    fake(pb.ExportPersonResponse(json=document), pb.ExportPersonResponse(json=document))
    datei = tmp_path / "auskunft.json"
    assert main(["--as", IM, "caseplan", "export", PLAN_ID, "--datei", str(datei)]) == 0
    assert json.loads(datei.read_text(encoding="utf-8"))["integrationsplan"]["id"] == PLAN_ID
    assert stat.S_IMODE(datei.stat().st_mode) == 0o600
    assert str(datei) in capsys.readouterr().err
    assert main(["--as", IM, "caseplan", "export", PLAN_ID]) == 0
    assert json.loads(capsys.readouterr().out)["zugriffe"] == []


def test_erase_sends_the_reason(fake, capsys):
    f = fake(pb.ErasePersonResponse(plan_id=PLAN_ID))
    assert main(["--as", IM, "caseplan", "erase", PLAN_ID, "--grund", "Antrag nach Art. 17 DSGVO"]) == 0
    assert f.calls[0][2].grund == "Antrag nach Art. 17 DSGVO"
    assert f"Personendaten zu Plan {PLAN_ID} gelöscht" in capsys.readouterr().out


def test_fallzahlen_acts_as_rp_and_marks_suppressed_cells(fake, capsys):
    reply = pb.GetFallzahlenResponse(fallzahlen=[
        pb.Fallzahl(kommune_ags="08111000", offene_plaene=12),
        pb.Fallzahl(kommune_ags="08116019", suppressed=True),
    ])
    f = fake(reply, reply)
    assert main(["caseplan", "fallzahlen", "--kreis", "08111"]) == 0
    _, method, request, identity = f.calls[0]
    assert (method, request.kreis_ags, identity) == ("GetFallzahlen", "08111", "rp")
    out = capsys.readouterr().out
    assert "08111000 Stuttgart" in out and "12" in out and "< 5" in out and "ausgewiesen zusammen 12" in out
    assert main(["--as", "08111000", "caseplan", "fallzahlen", "--json"]) == 0
    assert f.calls[1][3] == "08111000"
    assert json.loads(capsys.readouterr().out)[1] == {"kommune_ags": "08116019", "offene_plaene": 0, "suppressed": True}
