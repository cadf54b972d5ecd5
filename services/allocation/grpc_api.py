"""gRPC entry point of the allocation service: each RPC checks its caller with kommune_or_operator
(which refuses Integrationsmanager identities: they are for the case-plan service only) and hands
the request to its use case, off the event loop. Which steps need the Bewilligungsstelle the use
cases check."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pakt.allocation.v1 import allocation_pb2_grpc
from pakt.platform.auth import kommune_or_operator
from pakt.platform.grpc_server import use_case_rpc
from pakt.platform.unit_of_work import UnitsOfWork
from services.allocation import abfragen, abgleich, erhebung, haushalt, umverteilung
from services.allocation.erhebung_datei import read_import_stream
from services.allocation.repository import AllocationRepository


def _rpc(use_case: Callable):
    return use_case_rpc(use_case, kommune_or_operator)


class AllocationServicer(allocation_pb2_grpc.AllocationServiceServicer):
    def __init__(self, units: UnitsOfWork[AllocationRepository]) -> None:
        self.units = units

    GetPlanungsrahmen = _rpc(abfragen.get_planungsrahmen)
    ListPlanungsrahmen = _rpc(abfragen.list_planungsrahmen)
    ExplainPlanungsrahmen = _rpc(abfragen.explain)
    CompareVerteilungen = _rpc(abfragen.compare)
    ListParameter = _rpc(abfragen.list_parameter)
    SetParameter = _rpc(haushalt.set_parameter)
    SimulateUmverteilung = _rpc(umverteilung.simulate)
    ApplyUmverteilung = _rpc(umverteilung.apply)
    ListBescheide = _rpc(abfragen.list_bescheide)
    Republish = _rpc(abgleich.republish)

    async def ImportErhebung(self, request_iterator, context):
        principal = kommune_or_operator()
        erhebung.check_allowed(principal)  # before reading the file
        kopf, zeilen = await read_import_stream(request_iterator)
        return await asyncio.to_thread(erhebung.import_erhebung, self.units, principal, kopf, zeilen)
