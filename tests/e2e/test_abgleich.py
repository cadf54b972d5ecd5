"""`pakt abgleich` and `pakt report rebuild` against the running stack, every hop real (gRPC, the
outbox relays, the broker, the consumers, the aggregation): a consistent stack has nothing to
repair; an Antrag lost from reporting's database is found and brought back by antrag publishing
it again; and a rebuild of reporting's read model from the services' events gives the same
utilisation figures as before."""

from __future__ import annotations

import json
import sqlite3
import subprocess

from tests.e2e.conftest import PAKT, RP, decide, eventually, full_request

STUTTGART = "08111000"


def _run(cli, *args: str, timeout_s: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([*PAKT, *args], env=cli.env, capture_output=True, text=True, timeout=timeout_s)


def _settled(cli) -> None:
    """Until the services agree (what other tests started may still be on its way)."""
    eventually(lambda: _run(cli, "abgleich", "--nur-pruefen").returncode == 0, timeout_s=90, interval_s=1)


def _decided_and_paid(cli, tmp_path, betrag_cent: int) -> dict:
    antrag = cli.submit(tmp_path, full_request(STUTTGART, 2018, betrag_cent, programm="PROGRAMM_SPRACHERWERB"))
    decide(cli, antrag["id"])
    abruf = cli.json("--as", STUTTGART, "antrag", "abruf", antrag["id"], "--cent", str(betrag_cent // 2))
    cli.json("--as", RP, "antrag", "auszahlen", antrag["id"], "--mittelabruf", abruf["mittelabruf"]["id"])
    return cli.json("--as", RP, "antrag", "get", antrag["id"])


def _utilisation(cli) -> dict:
    return {by: cli.json("report", "utilisation", "--by", by) for by in ("landkreis", "programm")}


def test_a_consistent_stack_has_nothing_to_repair(cli, tmp_path):
    antrag = _decided_and_paid(cli, tmp_path, 4_321_00)
    assert antrag["ausgezahlt_cent"] == 2_160_50
    _settled(cli)

    result = _run(cli, "abgleich")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Alles stimmt überein – nichts zu reparieren." in result.stdout
    report = json.loads(_run(cli, "abgleich", "--json").stdout)
    assert report["ergebnis"] == "uebereinstimmend" and report["befunde"] == []
    assert report["anzahl"]["antraege"] >= 1 and report["anzahl"]["bescheide"] >= 1


def test_an_antrag_lost_from_reporting_is_found_and_republished(cli, stack, tmp_path):
    antrag = _decided_and_paid(cli, tmp_path, 3_000_00)
    _settled(cli)
    # reporting's database loses the Antrag (a restore from an older backup, say).
    with sqlite3.connect(stack.config.data_dir / "reporting.db", timeout=30) as db:
        assert db.execute("DELETE FROM antrag_stand WHERE antrag_id = ?", (antrag["id"],)).rowcount == 1

    result = _run(cli, "abgleich", "--warten", "60")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Antrag fehlt in reporting: 1" in result.stdout and antrag["id"] in result.stdout
    assert "Reparatur: antrag veröffentlicht die Ereignisse von 1 Antrag erneut" in result.stdout
    assert "Repariert: alle" in result.stdout
    assert _run(cli, "abgleich", "--nur-pruefen").returncode == 0


def test_report_rebuild_restores_the_same_utilisation(cli, tmp_path):
    _decided_and_paid(cli, tmp_path, 2_500_00)
    _settled(cli)
    before = _utilisation(cli)
    assert sum(r["bewilligt_cent"] for r in before["programm"]) > 0

    result = _run(cli, "report", "rebuild", "--warten", "180")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lesemodell von reporting geleert" in result.stdout
    assert "Neuaufbau abgeschlossen:" in result.stdout
    assert _utilisation(cli) == before
    assert _run(cli, "abgleich", "--nur-pruefen").returncode == 0
