"""Integrationspläne created over gRPC by Integrationsmanager reach the Integrationsmanagement
report through the outbox, Kafka and the reporting aggregation, with small cells withheld: every hop
real, on the stack `pakt up` starts."""

from __future__ import annotations

import urllib.request

import grpc
import pytest

from pakt.caseplan.v1 import caseplan_pb2 as cpb
from pakt.caseplan.v1 import caseplan_pb2_grpc
from pakt.reporting.v1 import reporting_pb2 as rpb
from pakt.reporting.v1 import reporting_pb2_grpc
from tests.caseplan import create_request, person, personal_values, rid
from tests.e2e.conftest import eventually, service_channel

# Kreise no other end-to-end test opens plans in.
KONSTANZ, LOERRACH, WALDSHUT_TIENGEN = "08335043", "08336050", "08337126"
PLAENE = {KONSTANZ: 6, LOERRACH: 2, WALDSHUT_TIENGEN: 5}


def _report(api, by: int, kreis_ags: str = "") -> rpb.GetIntegrationsmanagementResponse:
    return api.GetIntegrationsmanagement(rpb.GetIntegrationsmanagementRequest(by=by, kreis_ags=kreis_ags), timeout=10)


def _cell(z: rpb.Zelle) -> tuple[int, bool]:
    return z.value, z.suppressed


def test_plans_reach_the_report_and_no_cell_below_five_is_published(any_stack):
    stack = any_stack
    with service_channel(stack, "reporting", "rp:dashboard") as channel:
        reporting = reporting_pb2_grpc.ReportingServiceStub(channel)
        before = _report(reporting, rpb.GLIEDERUNG_LANDKREIS).offene_plaene_gesamt
        for ags, anzahl in PLAENE.items():
            with service_channel(stack, "caseplan", f"{ags}:mueller") as caseplan_channel:
                caseplan = caseplan_pb2_grpc.CasePlanServiceStub(caseplan_channel)
                for _ in range(anzahl):
                    caseplan.CreatePlan(create_request(), timeout=10)
        # Every plan has arrived once the Land total has grown by all of them (it is published:
        # 13 and more people).
        expected = (0 if before.suppressed else before.value) + sum(PLAENE.values())
        land = eventually(
            lambda: (r := _report(reporting, rpb.GLIEDERUNG_LANDKREIS)).offene_plaene_gesamt.value >= expected and r,
            timeout_s=60,
        )
        konstanz = _report(reporting, rpb.GLIEDERUNG_KOMMUNE, "08335")
        loerrach = _report(reporting, rpb.GLIEDERUNG_KOMMUNE, "08336")

    kreise = {row.key: row.offene_plaene for row in land.rows}
    assert len(kreise) == 44
    # Konstanz's six are published, in the list of Kreise and as its Kommune; Lörrach's two are
    # withheld in both.
    assert _cell(kreise["08335"]) == (6, False)
    assert _cell(konstanz.offene_plaene_gesamt) == (6, False)
    assert {row.key: _cell(row.offene_plaene) for row in konstanz.rows}[KONSTANZ] == (6, False)
    assert _cell(kreise["08336"]) == (0, True)
    assert _cell(loerrach.offene_plaene_gesamt) == (0, True)
    assert {row.key: _cell(row.offene_plaene) for row in loerrach.rows}[LOERRACH] == (0, True)

    cells = [land.offene_plaene_gesamt, *kreise.values()]
    assert not any(0 < c.value < 5 for c in cells if not c.suppressed)
    assert all(c.value == 0 for c in cells if c.suppressed)
    # Lörrach's two cannot be recovered as the Land total minus the published Kreise: at least one
    # more Kreis (Waldshut's five, the smallest published one) is withheld with it, and the withheld
    # ones together hold five people or more.
    gesamt = land.offene_plaene_gesamt
    withheld = [ags for ags, c in kreise.items() if c.suppressed]
    assert len(withheld) >= 2
    assert gesamt.value - sum(c.value for c in kreise.values()) >= 5
    assert [z.name for z in land.zielfelder][:2] == ["Sprache", "Arbeit"]


def test_no_personal_value_reaches_any_log_or_metric_of_the_stack(any_stack):
    """Plans with a person, a goal and a review through the running system; then every log file
    of every process and every metrics endpoint is searched for each of the person's values."""
    stack = any_stack
    with service_channel(stack, "caseplan", "08111000:mueller") as channel:
        caseplan = caseplan_pb2_grpc.CasePlanServiceStub(channel)
        plan = caseplan.CreatePlan(create_request(), timeout=10).plan
        caseplan.GetPlan(cpb.GetPlanRequest(plan_id=plan.id, zweck="Beratung"), timeout=10)
        caseplan.AddZiel(cpb.AddZielRequest(request_id=rid(), plan_id=plan.id, ziel=cpb.Ziel(
            feld=cpb.ZIELFELD_ARBEIT, beschreibung="Stelle bei den Stadtwerken Quellbrunn")), timeout=10)
        with pytest.raises(grpc.RpcError):  # refused: the value must not come back in a log line
            caseplan.CreatePlan(create_request(person=person(geburtsdatum="17.04.1991")), timeout=10)
        caseplan.ErasePerson(cpb.ErasePersonRequest(request_id=rid(), plan_id=plan.id, grund="Art. 17 DSGVO"), timeout=10)
    logs = "\n".join(p.read_text(errors="replace") for p in stack.log_dir.glob("*.log"))
    metrics = "\n".join(_metric_text(stack, s) for s in ("antrag", "allocation", "caseplan", "reporting"))
    assert '"service": "caseplan"' in (stack.log_dir / "caseplan.log").read_text()  # the service's own log was read
    for value in personal_values(person()) + ["Stadtwerken Quellbrunn", "17.04.1991"]:
        assert value not in logs, value
        assert value not in metrics, value


def _metric_text(stack, service: str) -> str:
    return urllib.request.urlopen(f"http://127.0.0.1:{stack.config.metrics_ports[service]}/metrics", timeout=10).read().decode()


def test_the_cli_reports_cases_with_small_cells_withheld(cli, stack):
    tuttlingen = "08327050"  # Kreis 08327, where no other test opens plans
    with service_channel(stack, "caseplan", f"{tuttlingen}:mueller") as channel:
        for _ in range(2):
            caseplan_pb2_grpc.CasePlanServiceStub(channel).CreatePlan(create_request(), timeout=10)
    def tuttlingen_cell() -> str:
        table = cli.run("report", "faelle", "--kreis", "08327").stdout
        return next(line.split()[-1] for line in table.splitlines() if line.startswith(tuttlingen))

    # Two people: once the events have arrived, the cell is withheld, never shown as 2.
    assert eventually(lambda: (cell := tuttlingen_cell()) != "0" and cell) == "geheim"
    rows = cli.json("report", "faelle")["rows"]
    assert len(rows) == 44
    assert all(r["offene_plaene"]["value"] == 0 for r in rows if r["offene_plaene"]["suppressed"])
