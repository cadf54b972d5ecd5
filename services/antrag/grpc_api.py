"""gRPC entry point: authenticates the caller and hands the request to its use case, off the event
loop. Every RPC refuses Integrationsmanager identities first (they are for the case-plan service
only); the rest of authorisation and validation live in the use cases."""

from __future__ import annotations

from collections.abc import Callable

from pakt.antrag.v1 import antrag_pb2_grpc
from pakt.platform.auth import kommune_or_operator
from pakt.platform.grpc_server import use_case_rpc
from pakt.platform.unit_of_work import UnitsOfWork
from services.antrag import abfragen, abgleich, antragsteller, bewilligungsstelle
from services.antrag.repository import AntragRepository


def _rpc(use_case: Callable):
    return use_case_rpc(use_case, kommune_or_operator)


class AntragServicer(antrag_pb2_grpc.AntragServiceServicer):
    def __init__(self, units: UnitsOfWork[AntragRepository]) -> None:
        self.units = units

    # the applicant
    SubmitAntrag = _rpc(antragsteller.submit)
    WithdrawAntrag = _rpc(antragsteller.withdraw)
    AnswerNachforderung = _rpc(antragsteller.answer_nachforderung)
    RequestMittelabruf = _rpc(antragsteller.request_mittelabruf)
    SubmitVerwendungsnachweis = _rpc(antragsteller.submit_verwendungsnachweis)
    RecordUebertragung = _rpc(antragsteller.record_uebertragung)
    # the Bewilligungsstelle
    BeginPruefung = _rpc(bewilligungsstelle.begin_pruefung)
    RequestNachforderung = _rpc(bewilligungsstelle.request_nachforderung)
    CompletePruefung = _rpc(bewilligungsstelle.complete_pruefung)
    ConfirmAuszahlung = _rpc(bewilligungsstelle.confirm_auszahlung)
    # queries
    GetAntrag = _rpc(abfragen.get)
    ListAntraege = _rpc(abfragen.list_antraege)
    GetAntragHistory = _rpc(abfragen.history)
    ListUebertragungen = _rpc(abfragen.list_uebertragungen)
    # reconciliation (operators only)
    ListGeldstaende = _rpc(abgleich.list_geldstaende)
    Republish = _rpc(abgleich.republish_antraege)
