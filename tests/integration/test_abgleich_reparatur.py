"""Divergences between the services, found and repaired by `pakt abgleich`, on SQLite and
PostgreSQL.

Messages are lost on purpose between the services (tests/reconciliation.py delivers the outboxes
and drops what a test says): a Bescheid antrag never received, a completed Prüfung allocation never
received, Antrag steps reporting never received. `pakt abgleich`, run as the command against the
services' real gRPC APIs, finds each, asks the owner to publish again, and the next check is clean;
what republishing cannot repair is left with a non-zero exit. `pakt report rebuild` empties
reporting and fills it again from the owners' events.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from pakt import abgleich
from pakt.allocation.v1.events_pb2 import BescheidErlassen
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.cli import abgleich_cli
from pakt.cli.main import main
from services.allocation.tables import outbox as allocation_outbox
from tests.antraege import ESSLINGEN, RP, STUTTGART
from tests.caseplan import IM_STUTTGART, create_request
from tests.reconciliation import complete, dienste, lost, pay, submit


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def d(request, tmp_path, monkeypatch):
    with dienste(request.param, tmp_path) as d:
        for name, value in d.env(tmp_path).items():
            monkeypatch.setenv(name, value)
        yield d


def _befunde() -> list[abgleich.Befund]:
    return abgleich.vergleiche(abgleich_cli.antraege("rp"), abgleich_cli.bescheide("rp"), abgleich_cli.reporting("rp"))


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_consistent_system_needs_no_repair(d, capsys):
    for ags in (STUTTGART, ESSLINGEN):
        antrag_id = submit(d, ags)
        complete(d, antrag_id)
    d.deliver()
    pay(d, antrag_id, 10_000_00)
    d.deliver()

    code, out = _run(capsys, "abgleich")
    assert code == 0, out
    assert "2 Anträge in antrag, 2 Bescheide in allocation, 2 Anträge in reporting" in out
    assert "Alles stimmt überein – nichts zu reparieren." in out
    code, out = _run(capsys, "abgleich", "--json")
    assert code == 0 and json.loads(out)["ergebnis"] == "uebereinstimmend"


def test_lost_messages_are_found_then_repaired_by_republishing(d, capsys):
    bescheid_lost, pruefung_lost, behind = submit(d), submit(d, ESSLINGEN), submit(d)
    complete(d, behind)
    d.deliver()
    # allocation decides, but antrag never gets the Bescheid.
    complete(d, bescheid_lost)
    d.deliver(lose=lost("antrag", bescheid_lost, BescheidErlassen))
    # allocation never hears of this completed Prüfung.
    complete(d, pruefung_lost)
    d.deliver(lose=lost("allocation", pruefung_lost, AntragFortgeschrieben))
    # reporting misses a payout.
    pay(d, behind, 20_000_00)
    d.deliver(lose=lost("reporting", behind))

    assert d.antrag.get(RP, bescheid_lost).status == pb.ANTRAG_STATUS_ENTSCHEIDUNGSREIF
    code, out = _run(capsys, "abgleich", "--nur-pruefen", "--json")
    assert code == 1, out
    report = json.loads(out)
    assert report["ergebnis"] == "abweichungen"
    found = {(b["art"], tuple(b["antrag_nachsenden"]), tuple(b["allocation_nachsenden"])) for b in report["befunde"]}
    assert {
        ("bescheid_fehlt", (pruefung_lost,), ()),
        ("bescheid_nicht_angewendet", (), (bescheid_lost,)),
        ("reporting_zurueck", (behind,), ()),
    } <= found
    # And the sums of Stuttgart's Integrationsmanagement 2017 (bewilligt, ausgezahlt) differ.
    assert {b["art"] for b in report["befunde"]} == {"bescheid_fehlt", "bescheid_nicht_angewendet", "reporting_zurueck", "summe"}
    assert [b for b in report["befunde"] if not b["reparierbar"]] == [b for b in report["befunde"] if b["art"] == "summe"]

    # The repair, with the relay running: found, republished by the owners, applied, checked again.
    with d.delivering():
        code, out = _run(capsys, "abgleich", "--warten", "30")
    assert code == 0, out
    assert "Gefunden: " in out and "Bescheid in antrag nicht angewendet: 1" in out
    assert "Reparatur: antrag veröffentlicht die Ereignisse von 2 Anträgen erneut" in out
    assert "Reparatur: allocation veröffentlicht die Ereignisse von 1 Antrag erneut (1 Ereignis eingereiht)" in out
    assert "Repariert: alle" in out
    assert _befunde() == []
    applied = d.antrag.get(RP, bescheid_lost)
    assert applied.status == pb.ANTRAG_STATUS_BEWILLIGT and applied.bewilligt_cent == 90_000_00
    assert d.antrag.get(RP, pruefung_lost).bescheid_id
    # Decided once each, however often the events came.
    with d.engines["allocation"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(allocation_outbox)
                            .where(allocation_outbox.c.aggregate_key == bescheid_lost)).scalar_one() == 1


def test_what_republishing_cannot_repair_is_left_with_a_non_zero_exit(d, capsys):
    antrag_id = submit(d)
    complete(d, antrag_id)
    d.deliver()
    # reporting ahead of antrag: no owner's events can bring it back.
    with d.engines["reporting"].begin() as conn:
        conn.exec_driver_sql("UPDATE antrag_stand SET version = version + 5")
    with d.delivering():
        code, out = _run(capsys, "abgleich", "--warten", "1")
    assert code == 1, out
    assert "reporting auf neuerem Stand als antrag: 1" in out
    assert "Nichts davon lässt sich durch erneutes Veröffentlichen reparieren." in out
    assert "Nach 1 s bleiben 1 Abweichung:" in out and "pakt report rebuild" in out


def test_a_service_out_of_reach_makes_the_check_impossible(d, capsys, monkeypatch):
    monkeypatch.setenv("PAKT_ALLOCATION_TARGET", "127.0.0.1:1")
    code, out = _run(capsys, "abgleich")
    assert code == 2
    assert "nicht erreichbar" in out


def test_caseplan_and_the_rebuild_from_the_command_line(d, capsys):
    antrag_id = submit(d)
    complete(d, antrag_id)
    d.caseplan.create_plan(IM_STUTTGART, create_request())
    d.deliver()
    before = [r for r in d.reporting.utilisation(1, 0)]
    with d.delivering():
        code, out = _run(capsys, "report", "rebuild", "--warten", "60")
    assert code == 0, out
    assert "Lesemodell von reporting geleert (1 Antrag entfernt)." in out
    assert "Neuaufbau abgeschlossen:" in out
    assert d.reporting.utilisation(1, 0) == before
    applied, processed = d.reporting.aggregation()
    assert processed["caseplan"] >= 1 and processed["antrag"] >= 4 and processed["allocation"] >= 1


def test_a_rebuild_that_cannot_finish_says_so(d, capsys):
    submit(d)
    d.deliver()
    # Nothing is delivered meanwhile: as if the aggregation were stopped.
    code, out = _run(capsys, "report", "rebuild", "--warten", "2")
    assert code == 1, out
    assert "Neuaufbau nach 2 s nicht abgeschlossen" in out and "reporting-aggregator" in out
