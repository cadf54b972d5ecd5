"""Who may do what with an Integrationsplan, over real gRPC with TLS and signed credentials, and
what leaves the service: events, logs and metrics captured while every RPC runs carry none of
the person's values. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import grpc
import pytest
from prometheus_client import REGISTRY, generate_latest
from sqlalchemy import select

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.caseplan.v1 import caseplan_pb2_grpc
from pakt.platform import events
from pakt.platform.pki import DevPki, ensure_dev_pki
from pakt.platform.tls import channel_credentials
from services.caseplan.crypto import FieldCipher
from services.caseplan.grpc_api import CasePlanServicer
from services.caseplan.main import GRPC_SERVICE_NAME, MIGRATIONS
from services.caseplan.tables import outbox
from tests.caseplan import IM_STUTTGART, Plaene, create_request, keyring, person, personal_values, rid
from tests.databases import migrated_engine
from tests.grpc_servers import ServedInThread

OK, DENIED, UNAUTH = "OK", "PERMISSION_DENIED", "UNAUTHENTICATED"
# The callers, those to be refused first: a wrongly allowed change would show up as OK.
CALLERS = {
    "none": None,
    "rp": "rp:sachbearbeitung",
    "kommune_system": "08111000",
    "im_other_kommune": "08116019:yilmaz",
    "im_own_kommune": "08111000:mueller",
}
IM_ONLY = {"none": UNAUTH, "rp": DENIED, "kommune_system": DENIED, "im_other_kommune": DENIED, "im_own_kommune": OK}
# Use cases about the caller's own Kommune (a new plan there, its worklist and caseload).
OWN_KOMMUNE = {**IM_ONLY, "im_other_kommune": OK}
AGGREGATES = {k: (UNAUTH if k == "none" else OK) for k in CALLERS}
OPERATOR = {"none": UNAUTH, "rp": OK, "kommune_system": DENIED, "im_other_kommune": DENIED, "im_own_kommune": DENIED}


@pytest.fixture
def setup(db_url, tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    with migrated_engine(db_url, MIGRATIONS) as engine:
        service = Plaene(engine, FieldCipher(keyring()))
        server = serve(service, pki)
        try:
            yield service, server, pki
        finally:
            server.stop()


def serve(service: Plaene, pki: DevPki) -> ServedInThread:
    return ServedInThread(
        GRPC_SERVICE_NAME,
        lambda grpc_server: caseplan_pb2_grpc.add_CasePlanServiceServicer_to_server(CasePlanServicer(service.units), grpc_server),
        pki,
    )


def call(server: ServedInThread, pki: DevPki, identity: str | None, method: str, request):
    credentials = channel_credentials(pki.ca_cert, pki.client(identity) if identity else None)
    with grpc.secure_channel(server.target, credentials) as channel:
        return getattr(caseplan_pb2_grpc.CasePlanServiceStub(channel), method)(request, timeout=10)


def open_plan(s: Plaene) -> pb.Plan:
    return s.create_plan(IM_STUTTGART, create_request())


def with_goal(s: Plaene) -> pb.Plan:
    plan = open_plan(s)
    return s.add_ziel(IM_STUTTGART, pb.AddZielRequest(request_id=rid(), plan_id=plan.id, ziel=pb.Ziel(
        feld=pb.ZIELFELD_SPRACHE, beschreibung="B1-Kurs abschließen")))


@dataclass(frozen=True)
class Rpc:
    method: str
    prepare: Callable[[Plaene], pb.Plan | None]
    request: Callable[[pb.Plan | None], object]
    expected: dict[str, str]


RPCS = [
    Rpc("CreatePlan", lambda s: None, lambda p: create_request(), OWN_KOMMUNE),
    Rpc("GetPlan", open_plan, lambda p: pb.GetPlanRequest(plan_id=p.id, zweck="Beratungsgespräch"), IM_ONLY),
    Rpc("ListPlans", open_plan, lambda p: pb.ListPlansRequest(), OWN_KOMMUNE),
    Rpc("UpdatePerson", open_plan, lambda p: pb.UpdatePersonRequest(request_id=rid(), plan_id=p.id, person=person()), IM_ONLY),
    Rpc("AddZiel", open_plan, lambda p: pb.AddZielRequest(request_id=rid(), plan_id=p.id, ziel=pb.Ziel(
        feld=pb.ZIELFELD_WOHNEN, beschreibung="Eigene Wohnung finden")), IM_ONLY),
    Rpc("UpdateZiel", with_goal, lambda p: pb.UpdateZielRequest(request_id=rid(), plan_id=p.id, ziel=pb.Ziel(
        id=p.ziele[0].id, feld=pb.ZIELFELD_SPRACHE, status=pb.ZIELSTATUS_ERREICHT, beschreibung="B1 bestanden")), IM_ONLY),
    Rpc("RecordFortschreibung", open_plan, lambda p: pb.RecordFortschreibungRequest(
        request_id=rid(), plan_id=p.id, notiz="Gespräch geführt", naechste_am="2099-01-01"), IM_ONLY),
    Rpc("ClosePlan", open_plan, lambda p: pb.ClosePlanRequest(request_id=rid(), plan_id=p.id, grund=pb.ABSCHLUSSGRUND_FOERDERENDE), IM_ONLY),
    Rpc("HandOverPlan", open_plan, lambda p: pb.HandOverPlanRequest(
        request_id=rid(), plan_id=p.id, neue_kommune_ags="08116019", neuer_integrationsmanager="yilmaz"), IM_ONLY),
    Rpc("WithdrawEinwilligung", open_plan, lambda p: pb.WithdrawEinwilligungRequest(request_id=rid(), plan_id=p.id), IM_ONLY),
    Rpc("GetCaseload", open_plan, lambda p: pb.GetCaseloadRequest(), OWN_KOMMUNE),
    Rpc("ExportPerson", open_plan, lambda p: pb.ExportPersonRequest(plan_id=p.id), IM_ONLY),
    Rpc("ErasePerson", open_plan, lambda p: pb.ErasePersonRequest(request_id=rid(), plan_id=p.id, grund="Art. 17 DSGVO"), IM_ONLY),
    Rpc("GetFallzahlen", open_plan, lambda p: pb.GetFallzahlenRequest(), AGGREGATES),
    Rpc("Republish", open_plan, lambda p: pb.RepublishRequest(alle=True), OPERATOR),
]


@pytest.mark.parametrize("rpc", RPCS, ids=lambda r: r.method)
def test_authorisation_matrix(setup, rpc: Rpc):
    service, server, pki = setup
    plan = rpc.prepare(service)
    outcomes, replies = {}, {}
    for name, identity in CALLERS.items():
        try:
            replies[name] = call(server, pki, identity, rpc.method, rpc.request(plan))
            outcomes[name] = OK
        except grpc.RpcError as err:
            outcomes[name] = err.code().name
    assert outcomes == rpc.expected
    # Lists are scoped, not just allowed: another Kommune's Integrationsmanager sees nothing of Stuttgart's.
    if rpc.method == "ListPlans":
        assert [p.id for p in replies["im_own_kommune"].plaene] == [plan.id]
        assert list(replies["im_other_kommune"].plaene) == []
    if rpc.method == "GetCaseload":
        assert [f.offene_plaene for f in replies["im_own_kommune"].fallbelastung] == [1]
        assert list(replies["im_other_kommune"].fallbelastung) == []
    # Aggregates never show a single person: one open plan is a suppressed cell.
    if rpc.method == "GetFallzahlen":
        [cell] = replies["rp"].fallzahlen
        assert cell.suppressed and cell.offene_plaene == 0


def test_someone_elses_plan_and_an_unknown_one_look_the_same(setup):
    service, server, pki = setup
    plan = open_plan(service)
    for plan_id in (plan.id, "00000000-0000-4000-8000-000000000000"):
        with pytest.raises(grpc.RpcError) as err:
            call(server, pki, "08116019:yilmaz", "GetPlan", pb.GetPlanRequest(plan_id=plan_id, zweck="Prüfung"))
        assert (err.value.code(), err.value.details()) == (grpc.StatusCode.PERMISSION_DENIED, "Kein Zugriff auf diesen Plan.")


def test_events_logs_and_metrics_carry_no_personal_data(setup, caplog):
    """Every RPC once, with logging at its most talkative; then search everything that left."""
    service, server, pki = setup
    caplog.set_level(logging.DEBUG)
    me = "08111000:mueller"
    plan = call(server, pki, me, "CreatePlan", create_request()).plan
    call(server, pki, me, "GetPlan", pb.GetPlanRequest(plan_id=plan.id, zweck="Beratung"))
    call(server, pki, me, "AddZiel", pb.AddZielRequest(request_id=rid(), plan_id=plan.id, ziel=pb.Ziel(
        feld=pb.ZIELFELD_ARBEIT, beschreibung="Stelle als Elektrikerin bei den Stadtwerken", frist="2027-03-01")))
    call(server, pki, me, "UpdatePerson", pb.UpdatePersonRequest(request_id=rid(), plan_id=plan.id,
                                                                 person=person(haushalt="verheiratet, drei Kinder")))
    call(server, pki, me, "ExportPerson", pb.ExportPersonRequest(plan_id=plan.id))
    with pytest.raises(grpc.RpcError):  # a rejected request must not echo the value it rejects
        call(server, pki, me, "CreatePlan", create_request(person=person(geburtsdatum="17.04.1991")))
    call(server, pki, me, "ClosePlan", pb.ClosePlanRequest(request_id=rid(), plan_id=plan.id, grund=pb.ABSCHLUSSGRUND_ZIELE_ERREICHT))
    call(server, pki, me, "ErasePerson", pb.ErasePersonRequest(request_id=rid(), plan_id=plan.id, grund="Art. 17 DSGVO"))

    with service.engine.connect() as conn:
        published = [events.unwrap(p) for p in conn.execute(select(outbox.c.payload)).scalars()]
    assert {type(e.payload).__name__ for e in published} == {"PlanEroeffnet", "ZielFortgeschrieben", "PlanAbgeschlossen"}
    assert published[0].payload.altersband == "27-44"
    captured = {
        "events": "\n".join(str(e.envelope) + str(e.payload) for e in published),
        "logs": "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records),
        "metrics": generate_latest(REGISTRY).decode(),
    }
    assert caplog.records, "nothing was logged: the test would prove nothing"
    values = personal_values(person()) + ["drei Kinder", "Stadtwerken", "17.04.1991"]
    for where, content in captured.items():
        leaked = [v for v in values if v in content]
        assert leaked == [], f"{where} contain {leaked}"
