"""The life of an Antrag through the CLI against the running system: a single, a joint and a
delegated Antrag from submission to Verwendungsnachweis, decided by allocation against the real
Planungsrahmen, with the released money back in the Planungsrahmen. On SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from pakt.allocation.v1 import allocation_pb2, allocation_pb2_grpc
from pakt.cli import output
from tests.e2e.conftest import RP, Cli, decide, eventually, full_request, service_channel


@pytest.fixture
def cli(any_stack) -> Cli:
    return Cli(any_stack)


FRIST = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()


def planungsrahmen(stack, ags: str, jahr: int) -> dict:
    """The Integrationsmanagement Planungsrahmen of a Gemeinde, from the allocation service."""
    with service_channel(stack, "allocation", RP) as channel:
        reply = allocation_pb2_grpc.AllocationServiceStub(channel).GetPlanungsrahmen(
            allocation_pb2.GetPlanungsrahmenRequest(kommune_ags=ags, programm=1, foerderjahr=jahr), timeout=10
        )
    return output.to_dict(reply.planungsrahmen)


def draw_pay_and_prove(cli, ags: str, antrag_id: str, abruf_cent: int, verwendet_cent: int) -> dict:
    abruf = cli.json("--as", ags, "antrag", "abruf", antrag_id, "--cent", str(abruf_cent))["mittelabruf"]
    cli.json("--as", RP, "antrag", "auszahlen", antrag_id, "--mittelabruf", abruf["id"])
    return cli.json(
        "--as", ags, "antrag", "nachweis", antrag_id, "--verwendet-cent", str(verwendet_cent), "--bericht", "Stellen besetzt."
    )


def test_single_antrag_lifecycle_returns_unspent_money_to_the_planungsrahmen(cli, any_stack, tmp_path):
    ags = "08121000"  # Heilbronn, Stadtkreis city
    before = planungsrahmen(any_stack, ags, 2018)
    antrag = cli.submit(tmp_path, full_request(ags, 2018, 90_000_00))
    cli.json("--as", RP, "antrag", "pruefen", antrag["id"])
    asked = cli.json("--as", RP, "antrag", "nachfordern", antrag["id"], "--text", "Stellenplan fehlt", "--frist", FRIST)
    assert asked["status"] == "ANTRAG_STATUS_NACHFORDERUNG"
    cli.json("--as", ags, "antrag", "antworten", antrag["id"], "--antwort", "Stellenplan anbei")
    assert cli.json("--as", RP, "antrag", "freigeben", antrag["id"])["status"] == "ANTRAG_STATUS_ENTSCHEIDUNGSREIF"
    decided = eventually(lambda: (a := cli.json("antrag", "get", antrag["id"]))["status"] == "ANTRAG_STATUS_BEWILLIGT" and a)
    assert decided["bewilligt_cent"] == 90_000_00
    assert eventually(lambda: planungsrahmen(any_stack, ags, 2018)["gebunden_cent"] - before["gebunden_cent"] == 90_000_00)

    done = draw_pay_and_prove(cli, ags, antrag["id"], abruf_cent=80_000_00, verwendet_cent=75_000_00)
    assert done["status"] == "ANTRAG_STATUS_ABGESCHLOSSEN"
    assert (done["rueckforderung_cent"], done["freigegeben_cent"]) == (5_000_00, 15_000_00)
    # Allocation releases what was not spent: the Planungsrahmen keeps exactly the 75,000 € spent.
    assert eventually(lambda: planungsrahmen(any_stack, ags, 2018)["gebunden_cent"] - before["gebunden_cent"] == 75_000_00)

    history = cli.json("--as", ags, "antrag", "history", antrag["id"])
    assert [h["schritt"] for h in history] == [
        "SCHRITT_EINGEREICHT", "SCHRITT_PRUEFUNG_BEGONNEN", "SCHRITT_NACHFORDERUNG_GESTELLT",
        "SCHRITT_NACHFORDERUNG_BEANTWORTET", "SCHRITT_PRUEFUNG_ABGESCHLOSSEN", "SCHRITT_BESCHIEDEN",
        "SCHRITT_MITTELABRUF_EINGEGANGEN", "SCHRITT_AUSZAHLUNG_ANGEWIESEN", "SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN",
    ]
    assert {h["akteur"] for h in history} == {f"kommune:{ags}", RP, "allocation"}
    text = cli.run("--as", ags, "antrag", "history", antrag["id"]).stdout
    assert re.search(r" Nachforderung +in Prüfung → Nachforderung offen\n", text) and "Stellenplan fehlt" in text


def test_joint_antrag_draws_on_the_pool_of_its_members(cli, any_stack, tmp_path):
    # Köngen leads Unterensingen and Oberboihingen (Landkreis Esslingen): none of their Planungsrahmen
    # reaches the 51,000 € Schwellenwert alone, their pool does.
    lead, members = "08116035", ["08116068", "08116050"]
    rahmen = {ags: planungsrahmen(any_stack, ags, 2018) for ags in [lead, *members]}
    assert all(f["rahmen_cent"] < 51_000_00 for f in rahmen.values())
    pool = sum(f["rahmen_cent"] - f["gebunden_cent"] for f in rahmen.values())
    request = full_request(lead, 2018, pool - 1_00, mitglieder=[
        {"ags": members[0], "anteil_prozent": 30}, {"ags": members[1], "anteil_prozent": 30},
    ])
    antrag = cli.submit(tmp_path, request)
    # A member cannot apply alone for the same programme and period.
    alone = cli.run("antrag", "submit", str(_write(tmp_path, full_request(members[0], 2018, 1_000_00))), check=False)
    assert alone.returncode == 1 and "Mitglied eines gemeinsamen Antrags" in alone.stderr
    # Members read the joint Antrag; a Kommune outside it does not.
    assert cli.json("--as", members[1], "antrag", "get", antrag["id"])["id"] == antrag["id"]
    outsider = cli.run("--as", "08111000", "antrag", "get", antrag["id"], check=False)
    assert outsider.returncode == 1 and "Keine Berechtigung" in outsider.stderr

    decided = decide(cli, antrag["id"])
    assert decided["status"] == "ANTRAG_STATUS_BEWILLIGT"
    bound = {ags: planungsrahmen(any_stack, ags, 2018)["gebunden_cent"] - rahmen[ags]["gebunden_cent"] for ags in rahmen}
    assert sum(bound.values()) == pool - 1_00 and all(v > 0 for v in bound.values())

    done = draw_pay_and_prove(cli, lead, antrag["id"], abruf_cent=pool - 1_00, verwendet_cent=pool - 1_00)
    assert (done["rueckforderung_cent"], done["freigegeben_cent"]) == (0, 0)


def test_delegated_integrationsmanagement_is_applied_for_by_the_landkreis(cli, tmp_path):
    gemeinden, kreis = ["08125005", "08125007"], "08125"  # Bad Friedrichshall, Bad Wimpfen; Landkreis Heilbronn
    for ags in gemeinden:
        cli.json("--as", ags, "antrag", "uebertragen", ags, "--beginn", "2017-01-01", "--ende", "2018-12-31")
    refused = cli.run("antrag", "submit", str(_write(tmp_path, full_request(gemeinden[0], 2017, 1_000_00))), check=False)
    assert refused.returncode == 1 and "dem Landkreis übertragen" in refused.stderr

    antrag = cli.submit(tmp_path, full_request(kreis, 2017, 30_000_00))
    assert antrag["uebertragende_ags"] == gemeinden
    assert {u["gemeinde_ags"] for u in cli.json("--as", kreis, "antrag", "uebertragungen")} == set(gemeinden)
    decided = decide(cli, antrag["id"])
    assert decided["status"] == "ANTRAG_STATUS_BEWILLIGT" and decided["bewilligt_cent"] == 30_000_00
    # The Gemeinden see the Antrag made on their behalf; the Landkreis lists it with its own.
    assert cli.json("--as", gemeinden[1], "antrag", "get", antrag["id"])["antragsteller_ags"] == kreis
    listed = cli.json("--as", kreis, "antrag", "list", "--jahr", "2017")
    assert antrag["id"] in [a["id"] for a in listed["antraege"]]

    done = draw_pay_and_prove(cli, kreis, antrag["id"], abruf_cent=30_000_00, verwendet_cent=29_000_00)
    assert (done["rueckforderung_cent"], done["freigegeben_cent"]) == (1_000_00, 1_000_00)


def test_withdrawn_antrag_and_illegal_steps(cli, tmp_path):
    ags = "08111000"
    antrag = cli.submit(tmp_path, full_request(ags, 2018, 1_000_00, programm="PROGRAMM_SPRACHERWERB", stellen=[]))
    early = cli.run("--as", ags, "antrag", "abruf", antrag["id"], "--cent", "100", check=False)
    assert early.returncode == 1 and "Nicht möglich" in early.stderr and "„eingegangen“" in early.stderr
    withdrawn = cli.json("--as", ags, "antrag", "withdraw", antrag["id"], "--grund", "Doppelt gestellt")
    assert withdrawn["status"] == "ANTRAG_STATUS_ZURUECKGEZOGEN"
    listed = cli.json("antrag", "list", "--kommune", ags, "--status", "zurueckgezogen", "--alle")
    assert antrag["id"] in [a["id"] for a in listed["antraege"]]


def _write(tmp_path, request: dict):
    path = tmp_path / f"{request['request_id']}.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    return path
