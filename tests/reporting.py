"""Reporting's read model on one database for tests: events folded in through the aggregator's
table of handlers, as the aggregation does, and the questions asked as the gRPC API asks them."""

from __future__ import annotations

from sqlalchemy import Engine

from pakt.platform.auth import Principal
from pakt.platform.events import Event
from pakt.platform.unit_of_work import UnitsOfWork
from pakt.reporting.v1 import reporting_pb2 as rpb
from services.reporting import abfragen, aggregator, neuaufbau
from services.reporting.repository import ReportingRepository

RP = Principal(operator="neuaufbau")


class Lesemodell:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.units = UnitsOfWork(engine, ReportingRepository)
        self.handlers = aggregator.handlers(self.units)

    def apply(self, event: Event) -> str:
        """As the consumer dispatches it: by payload type."""
        handler = self.handlers.get(type(event.payload))
        return "ignored" if handler is None else handler(event)

    def utilisation(self, by: int, foerderjahr: int) -> list[rpb.UtilisationRow]:
        return list(self.utilisation_und_stand(by, foerderjahr)[0])

    def utilisation_und_stand(self, by: int, foerderjahr: int) -> tuple[list[rpb.UtilisationRow], int]:
        answer = abfragen.utilisation(self.units, rpb.GetUtilisationRequest(by=by, foerderjahr=foerderjahr))
        return list(answer.rows), answer.events_applied

    def events_applied(self) -> int:
        return abfragen.stand(self.units)[0]

    def aggregation(self) -> tuple[int, dict[str, int]]:
        answer = neuaufbau.aggregation_stand(self.units, RP, rpb.GetAggregationStandRequest())
        return answer.events_applied, dict(answer.events_processed)

    def reset(self) -> int:
        return neuaufbau.reset(self.units, RP, rpb.ResetReadModelRequest()).antraege_removed

    def list_antrag_staende(self, size: int, token: str) -> tuple[list[rpb.AntragStand], str]:
        answer = abfragen.antrag_staende(self.units, RP, rpb.ListAntragStaendeRequest(page_size=size, page_token=token))
        return list(answer.antrag_staende), answer.next_page_token
