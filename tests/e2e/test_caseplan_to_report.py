"""Integrationspläne created over gRPC by Integrationsmanager reach the Integrationsmanagement
report through the outbox, Kafka and the Faust aggregation, with small cells withheld: every hop
real, on the stack `pakt up` starts."""

from __future__ import annotations

from pakt.caseplan.v1 import caseplan_pb2_grpc
from pakt.reporting.v1 import reporting_pb2 as rpb
from pakt.reporting.v1 import reporting_pb2_grpc
from tests.caseplan import create_request
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
