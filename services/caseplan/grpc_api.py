"""gRPC entry point: the caller's principal and the request to their use case, off the event loop.
Authorisation, validation and the access log live in the use cases."""

from __future__ import annotations

from pakt.caseplan.v1 import caseplan_pb2_grpc
from pakt.platform.grpc_server import use_case_rpc
from pakt.platform.unit_of_work import UnitsOfWork
from services.caseplan import abfragen, betrieb, betroffenenrechte, plaene
from services.caseplan.repository import CasePlanRepository


class CasePlanServicer(caseplan_pb2_grpc.CasePlanServiceServicer):
    def __init__(self, units: UnitsOfWork[CasePlanRepository]) -> None:
        self.units = units

    CreatePlan = use_case_rpc(plaene.create_plan)
    GetPlan = use_case_rpc(abfragen.get_plan)
    ListPlans = use_case_rpc(abfragen.list_plans)
    UpdatePerson = use_case_rpc(plaene.update_person)
    AddZiel = use_case_rpc(plaene.add_ziel)
    UpdateZiel = use_case_rpc(plaene.update_ziel)
    RecordFortschreibung = use_case_rpc(plaene.record_fortschreibung)
    ClosePlan = use_case_rpc(plaene.close_plan)
    HandOverPlan = use_case_rpc(plaene.hand_over)
    WithdrawEinwilligung = use_case_rpc(plaene.withdraw_einwilligung)
    GetCaseload = use_case_rpc(abfragen.caseload)
    ExportPerson = use_case_rpc(betroffenenrechte.export_person)
    ErasePerson = use_case_rpc(betroffenenrechte.erase_person)
    GetFallzahlen = use_case_rpc(abfragen.fallzahlen)  # aggregates, for every authenticated caller
    Republish = use_case_rpc(betrieb.republish)
